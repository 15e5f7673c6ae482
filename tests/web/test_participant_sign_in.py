"""A participant signs in as managers do, by a mailed one-time link here, and their start
page is My programme; anyone else's stays My tasks (the ASGI app in-process, real
Postgres and a real SMTP sink)."""

from __future__ import annotations

import mailbox
import re

import httpx
import pytest

from scls.stack.smtp_sink import SmtpSink
from tests.web.test_sign_in import BASE, http, token_of

pytestmark = pytest.mark.postgres

__all__ = ["http"]  # the fixture, shared with the managers' sign-in tests


async def test_a_participant_signs_in_by_link_and_lands_on_my_programme(
    http: httpx.AsyncClient, sink: SmtpSink
) -> None:
    token = token_of((await http.get("/sign-in")).text)
    await http.post("/sign-in/mail", data={"csrf_token": token, "email": "p-ben@scls.test"})
    (mail,) = list(mailbox.Maildir(sink.new_mail.parent))
    link = re.search(rf"{BASE}(/sign-in/link/\S+)", mail.get_payload())
    assert link, mail.get_payload()
    confirm = await http.get(link.group(1))
    used = await http.post(link.group(1), data={"csrf_token": token_of(confirm.text)})
    assert used.status_code == 303 and used.headers["location"] == "/"
    start = await http.get("/")
    assert start.status_code == 303 and start.headers["location"] == "/my-programme"
    page = await http.get("/my-programme")
    assert page.status_code == 200
    assert "My programme" in page.text and "Ben Begin" in page.text
    # Not enrolled on any cohort yet: the page says so rather than failing.
    assert "You are not on a cohort of the scheme yet" in page.text
