"""Who is signed in, and the form token that proves a POST came from our own page.

The session lives in a cookie signed with the console's secret (Starlette's
SessionMiddleware): the person's id, a CSRF token, and a one-off message for the next
page. Every POST must carry the session's token, checked for the whole app at once, so a
form cannot forget it. Signing in starts a fresh session (a new token), so a session id
planted before sign-in is worth nothing after it.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request

from domain.access import Viewer
from domain.people import Person
from scls.web.services import services
from store.directory import person

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    """The page needs a signed-in person; the app sends them to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """An app-wide dependency: every POST carries the session's form token."""
    if request.method in _SAFE_METHODS:
        return
    form = await request.form()  # cached: the route's Form() fields read the same
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and secrets.compare_digest(sent, expected)
    ):
        raise HTTPException(
            403,
            "This form has expired or did not come from this site. "
            "Go back, reload the page and send it again.",
        )


def start_session(request: Request, person_id: str) -> None:
    request.session.clear()
    request.session["person"] = person_id
    csrf_token(request)


def end_session(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


async def signed_in(request: Request) -> Person:
    """The signed-in person, looked up afresh (a role taken away counts at once)."""
    person_id = request.session.get("person")
    found = await person(services(request).pool, person_id) if isinstance(person_id, str) else None
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path if request.method in _SAFE_METHODS else "/")
    request.state.person = found
    return found


def viewer_of(found: Person) -> Viewer:
    return Viewer(person_id=found.person_id, roles=found.roles)
