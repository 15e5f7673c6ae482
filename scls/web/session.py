"""Who is signed in, and the form token that proves a POST came from our own page.

Who is signed in is kept on the server (store/web_sessions.py): the cookie, signed with
the console's secret (Starlette's SessionMiddleware), carries a random session token, the
form token and a one-off message for the next page, never who the person is. Signing
out deletes the session on the server, so a copy of the cookie opens nothing after it.
Every POST must carry the session's form token, checked for the whole app at once, so a
form cannot forget it. Signing in starts a fresh session (a new form token too), so a
session planted before sign-in is worth nothing after it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import asyncpg
from fastapi import HTTPException, Request

from domain.access import Viewer
from domain.people import Person
from scls.web.services import services
from store import web_sessions
from store.directory import person
from store.pool import Connection

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


SESSION_KEY = "sid"


async def start_session(request: Request, person_id: str) -> None:
    token = await web_sessions.start_session(services(request).pool, person_id)
    request.session.clear()
    request.session[SESSION_KEY] = token
    csrf_token(request)


async def end_session(request: Request) -> None:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        await web_sessions.end_session(services(request).pool, token)
    request.session.clear()


async def session_person_id(
    pool: asyncpg.Pool | Connection, session: Mapping[str, Any]
) -> str | None:
    """The person a cookie's session is live for, if any."""
    token = session.get(SESSION_KEY)
    return await web_sessions.session_person(pool, token) if isinstance(token, str) else None


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def take_flash(request: Request) -> str | None:
    message = request.session.pop("flash", None)
    return message if isinstance(message, str) else None


async def signed_in(request: Request) -> Person:
    """The signed-in person, looked up afresh (a session ended or a role taken away counts
    at once)."""
    pool = services(request).pool
    person_id = await session_person_id(pool, request.session)
    found = await person(pool, person_id) if person_id is not None else None
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path if request.method in _SAFE_METHODS else "/")
    request.state.person = found
    return found


def viewer_of(found: Person) -> Viewer:
    return Viewer(person_id=found.person_id, roles=found.roles)
