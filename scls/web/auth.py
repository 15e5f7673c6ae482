"""Signing in and out: a password, or a one-time link sent by mail.

A link in a mail is opened by a page that asks to confirm: mail scanners fetch links
before people do, and a single-use link must not be spent by them.

Password guessing is throttled per account and per client address (store/web_sessions.py):
past the limit the page says until when, answers 429, and checks no password. Each
failure is logged at warning with the account's hash, never the login typed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import aiosmtplib
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mail.smtp import message_id, send_mail
from scls.logging import get_logger
from scls.web.metrics import SIGN_IN_FAILURES
from scls.web.pages import render
from scls.web.services import WebServices, services
from scls.web.session import end_session, flash, start_session
from store.directory import person_by_login
from store.web_accounts import (
    SIGN_IN_LINK_LIFETIME,
    SIGN_IN_LINKS_AT_ONCE,
    new_sign_in_link,
    person_with_password,
    redeem_sign_in_link,
)
from store.web_sessions import (
    ACCOUNT_LIMIT,
    CLIENT_LIMIT,
    WINDOW,
    Lockout,
    account_key,
    clear_account_failures,
    lockout,
    record_failure,
)

router = APIRouter()
log = get_logger(__name__)

Services = Annotated[WebServices, Depends(services)]

_LINK_MINUTES = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)

# Where a sign-in lands without a page to go back to: the start page, which sends a
# participant to My programme and anyone else to My tasks.
LANDING = "/"


def _local(path: str | None) -> str:
    """Only a path on this site: a sign-in page must not send people elsewhere."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return LANDING


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "sign_in.html", {"next": _local(next)})


@router.post("/sign-in", response_model=None)
async def sign_in(
    request: Request,
    found: Services,
    login: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = LANDING,
) -> HTMLResponse | RedirectResponse:
    account, client = account_key(login), _client(request)
    locked = await lockout(found.pool, account, client)
    if locked is not None:
        log.warning(
            "sign-in refused while locked",
            account=account.hex()[:16],
            client=client,
            locked=locked.what,
            until=locked.until.isoformat(),
        )
        return _locked_page(request, next, login, locked)
    person = await person_with_password(found.pool, login, password)
    if person is None:
        SIGN_IN_FAILURES.labels(method="password").inc()
        account_failures, client_failures = await record_failure(found.pool, account, client)
        log.warning(
            "sign-in failed",
            account=account.hex()[:16],
            client=client,
            account_failures=account_failures,
            client_failures=client_failures,
        )
        locked = await lockout(found.pool, account, client)
        if locked is not None:
            return _locked_page(request, next, login, locked)
        return render(
            request,
            "sign_in.html",
            {
                "next": _local(next),
                "login": login,
                "error": "That email and password do not match.",
            },
            status=401,
        )
    await clear_account_failures(found.pool, account)
    await start_session(request, person.person_id)
    return RedirectResponse(_local(next), status_code=303)


def _client(request: Request) -> str:
    """The client's address (uvicorn takes it from X-Forwarded-For behind a trusted proxy)."""
    return request.client.host if request.client is not None else "unknown"


def _locked_page(request: Request, next: str, login: str, locked: Lockout) -> HTMLResponse:
    minutes = int(WINDOW.total_seconds() // 60)
    if locked.what == "account":
        why = (
            f"There have been {ACCOUNT_LIMIT} failed sign-ins for this account in {minutes} minutes"
        )
    else:
        why = (
            f"There have been {CLIENT_LIMIT} failed sign-ins from your network address in "
            f"{minutes} minutes"
        )
    error = (
        f"{why}, so signing in with a password is locked until "
        f"{locked.until:%H:%M} UTC. Try again then, or ask for a sign-in link by mail below."
    )
    response = render(
        request, "sign_in.html", {"next": _local(next), "login": login, "error": error}, status=429
    )
    wait = max(1, int((locked.until - datetime.now(UTC)).total_seconds()))
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/sign-in/mail", response_class=HTMLResponse)
async def send_sign_in_link(
    request: Request, found: Services, email: Annotated[str, Form()]
) -> HTMLResponse:
    person = await person_by_login(found.pool, email)
    # The same answer whether or not the address is known, and when too many links were
    # asked for at once: the page says nothing of who has an account.
    token = None if person is None else await new_sign_in_link(found.pool, person.person_id)
    if person is not None and token is None:
        log.warning("sign-in link not sent: too many asked for at once")
    if person is not None and token is not None:
        base = found.settings.web_base_url or str(request.base_url)
        link = f"{base.rstrip('/')}/sign-in/link/{token}"
        try:
            await send_mail(
                found.settings.smtp,
                to=person.email,
                subject="Your sign-in link for the Social Care Leaders Scheme",
                body=(
                    f"Hello {person.display_name},\n\n"
                    f"Open this link to sign in (it works once, for {_LINK_MINUTES} minutes):\n\n"
                    f"{link}\n\n"
                    "If you did not ask for it, ignore this mail.\n"
                ),
                message_id=message_id(f"sign-in.{uuid.uuid4().hex}", found.settings.smtp.sender),
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            log.warning("sign-in link not sent", reason=type(error).__name__)
            return render(
                request,
                "sign_in.html",
                {"next": LANDING, "error": "The mail could not be sent just now; try again soon."},
                status=503,
            )
    return render(
        request, "link_sent.html", {"minutes": _LINK_MINUTES, "at_once": SIGN_IN_LINKS_AT_ONCE}
    )


@router.get("/sign-in/link/{token}", response_class=HTMLResponse)
async def confirm_link_page(request: Request, token: str) -> HTMLResponse:
    return render(request, "link_confirm.html", {"token": token})


@router.post("/sign-in/link/{token}", response_model=None)
async def use_link(
    request: Request, found: Services, token: str
) -> HTMLResponse | RedirectResponse:
    person_id = await redeem_sign_in_link(found.pool, token)
    if person_id is None:
        SIGN_IN_FAILURES.labels(method="link").inc()
        return render(
            request,
            "sign_in.html",
            {
                "next": LANDING,
                "error": "That sign-in link has expired or was already used; ask for a new one.",
            },
            status=400,
        )
    await start_session(request, person_id)
    return RedirectResponse(LANDING, status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> RedirectResponse:
    await end_session(request)
    flash(request, "You are signed out.")
    return RedirectResponse("/sign-in", status_code=303)
