"""Signing in over HTTP (the ASGI app in-process, real Postgres and a real SMTP sink):
passwords, the mailed one-time link, and the form token on every POST."""

from __future__ import annotations

import mailbox
import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from domain.people import Directory
from scls.settings import Settings
from scls.stack.smtp_sink import SmtpSink
from scls.web.app import create_app
from scls.web.services import WebServices
from store.web_accounts import SIGN_IN_LINKS_AT_ONCE
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.postgres

BASE = "http://console.test"


@pytest.fixture
async def http(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> AsyncIterator[httpx.AsyncClient]:
    async def no_temporal():  # type: ignore[no-untyped-def]
        raise AssertionError("signing in never asks Temporal")

    app = create_app(WebServices(pool=pool, settings=web_settings, connect=no_temporal), "s3cret")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


async def test_password_sign_in_then_out(http: httpx.AsyncClient) -> None:
    assert (await http.get("/tasks")).headers["location"] == "/sign-in?next=/tasks"
    token = token_of((await http.get("/sign-in")).text)
    wrong = await http.post(
        "/sign-in", data={"csrf_token": token, "login": "P-rm-1", "password": "nope nope nope"}
    )
    assert wrong.status_code == 401 and "do not match" in wrong.text
    signed = await http.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "login": "p-rm-1@scls.test",
            "password": PASSWORD,
            "next": "//evil.example",
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert (await http.get("/")).headers["location"] == "/tasks"  # a manager's start page
    page = await http.get("/tasks")
    assert page.status_code == 200 and "Rita Manager" in page.text
    # The old token died with the anonymous session: the new one is needed to sign out.
    assert (await http.post("/sign-out", data={"csrf_token": token})).status_code == 403
    out = await http.post("/sign-out", data={"csrf_token": token_of(page.text)})
    assert out.status_code == 303
    assert (await http.get("/tasks")).status_code == 303


async def test_a_post_without_the_form_token_is_refused(http: httpx.AsyncClient) -> None:
    refused = await http.post("/sign-in", data={"login": "P-rm-1", "password": PASSWORD})
    assert refused.status_code == 403 and "did not come from this site" in refused.text


async def test_a_mailed_link_signs_in_once(http: httpx.AsyncClient, sink: SmtpSink) -> None:
    token = token_of((await http.get("/sign-in")).text)
    unknown = await http.post(
        "/sign-in/mail", data={"csrf_token": token, "email": "x@nowhere.test"}
    )
    sent = await http.post("/sign-in/mail", data={"csrf_token": token, "email": "P-rm-2@scls.test"})
    assert unknown.text.count("Check your mail") == sent.text.count("Check your mail") > 0
    (mail,) = list(mailbox.Maildir(sink.new_mail.parent))
    assert mail["To"] == "p-rm-2@scls.test"
    link = re.search(rf"{BASE}(/sign-in/link/\S+)", mail.get_payload())
    assert link, mail.get_payload()
    confirm = await http.get(link.group(1))  # what a mail scanner fetches: spends nothing
    used = await http.post(link.group(1), data={"csrf_token": token_of(confirm.text)})
    assert used.status_code == 303
    assert "Ravi Manager" in (await http.get("/tasks")).text
    again = await http.post(
        link.group(1), data={"csrf_token": token_of((await http.get("/tasks")).text)}
    )
    assert again.status_code == 400 and "expired or was already used" in again.text


async def test_links_asked_for_again_and_again_flood_no_mailbox_and_say_nothing(
    http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    token = token_of((await http.get("/sign-in")).text)
    answers = [
        await http.post("/sign-in/mail", data={"csrf_token": token, "email": "P-rm-2@scls.test"})
        for _ in range(SIGN_IN_LINKS_AT_ONCE + 2)
    ]
    unknown = await http.post(
        "/sign-in/mail", data={"csrf_token": token, "email": "x@nowhere.test"}
    )
    assert len(list(mailbox.Maildir(sink.new_mail.parent))) == SIGN_IN_LINKS_AT_ONCE
    # The answers past the limit are the answer an unknown address gets.
    assert {(a.status_code, a.text) for a in answers} == {(unknown.status_code, unknown.text)}
    assert f"At most {SIGN_IN_LINKS_AT_ONCE} links" in unknown.text
