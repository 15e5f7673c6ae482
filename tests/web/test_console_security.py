"""The console against the probes of a security review, over HTTP (the ASGI app
in-process, real Postgres): sign-in throttling, sessions that end for good, the Secure
cookie over https, and the security headers on every answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from structlog.testing import capture_logs

from domain.people import Directory
from scls.settings import Settings
from scls.web.app import SESSION_COOKIE, create_app
from scls.web.headers import CONTENT_SECURITY_POLICY
from scls.web.services import WebServices
from store.web_sessions import ACCOUNT_LIMIT, CLIENT_LIMIT
from tests.cli import run_cli_async, stack_env
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.postgres

BASE = "http://console.test"


async def _no_temporal():  # type: ignore[no-untyped-def]
    raise AssertionError("these pages never ask Temporal")


def _client(
    pool: asyncpg.Pool, settings: Settings, base: str = BASE, address: str = "192.0.2.10"
) -> httpx.AsyncClient:
    app = create_app(WebServices(pool=pool, settings=settings, connect=_no_temporal), "s3cret")
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
async def http(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(pool, web_settings) as client:
        yield client


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


async def _sign_in(http: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    token = token_of((await http.get("/sign-in")).text)
    return await http.post(
        "/sign-in", data={"csrf_token": token, "login": login, "password": password}
    )


async def test_wrong_passwords_lock_the_account_for_a_while_and_each_is_logged(
    http: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    with capture_logs() as logs:
        for _ in range(ACCOUNT_LIMIT):
            wrong = await _sign_in(http, "p-rm-1@scls.test", "not the password")
            assert wrong.status_code in (401, 429)
    assert wrong.status_code == 429  # the last failure locks at once, and says so
    failures = [entry for entry in logs if entry["event"] == "sign-in failed"]
    assert len(failures) == ACCOUNT_LIMIT
    assert all(entry["log_level"] == "warning" for entry in failures)
    assert [entry["account_failures"] for entry in failures] == list(range(1, ACCOUNT_LIMIT + 1))
    assert "p-rm-1" not in repr(logs).lower()  # the login typed is never logged

    # Locked: the right password is not even checked, and the page says until when.
    locked = await _sign_in(http, "P-rm-1@scls.test", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert re.search(r"locked until \d\d:\d\d UTC", locked.text), locked.text
    assert "5 failed sign-ins for this account in 15 minutes" in locked.text
    assert (await http.get("/tasks")).status_code == 303  # not signed in

    # Another account from the same address is not locked.
    other = await _sign_in(http, "P-rm-2", PASSWORD)
    assert other.status_code == 303

    # Fifteen minutes on, the lock is over and the right password works.
    await pool.execute("UPDATE web_sign_in_failures SET failed_at = failed_at - interval '16 min'")
    assert (await _sign_in(http, "p-rm-1@scls.test", PASSWORD)).status_code == 303


async def test_an_unknown_login_is_locked_the_same_way(http: httpx.AsyncClient) -> None:
    """The lock says nothing of who has an account: a login no one has locks too."""
    for _ in range(ACCOUNT_LIMIT):
        await _sign_in(http, "nobody@scls.test", "guess guess guess")
    locked = await _sign_in(http, "nobody@scls.test", "guess guess guess")
    assert locked.status_code == 429 and "for this account" in locked.text


async def test_many_failures_from_one_address_lock_that_address(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> None:
    async with _client(pool, web_settings, address="198.51.100.7") as guesser:
        for number in range(CLIENT_LIMIT):
            await _sign_in(guesser, f"someone-{number}@scls.test", "guess guess guess")
        locked = await _sign_in(guesser, "P-ops-1", PASSWORD)
        assert locked.status_code == 429 and "from your network address" in locked.text
    async with _client(pool, web_settings, address="203.0.113.9") as elsewhere:
        assert (await _sign_in(elsewhere, "P-ops-1", PASSWORD)).status_code == 303


async def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(
    http: httpx.AsyncClient, pool: asyncpg.Pool, web_settings: Settings
) -> None:
    assert (await _sign_in(http, "P-rm-1", PASSWORD)).status_code == 303
    copied = http.cookies[SESSION_COOKIE]
    page = await http.get("/tasks")
    assert page.status_code == 200
    out = await http.post("/sign-out", data={"csrf_token": token_of(page.text)})
    assert out.status_code == 303
    async with _client(pool, web_settings) as thief:
        thief.cookies.set(SESSION_COOKIE, copied, domain="console.test")
        replayed = await thief.get("/tasks")
        assert replayed.status_code == 303 and replayed.headers["location"].startswith("/sign-in")
    assert await pool.fetchval("SELECT count(*) FROM web_sessions") == 0


async def test_ops_end_every_session_of_a_person(
    pool: asyncpg.Pool,
    web_settings: Settings,
    directory: Directory,
    database_url: str,
    tmp_path: Path,
) -> None:
    async with _client(pool, web_settings) as laptop, _client(pool, web_settings) as phone:
        for device in (laptop, phone):
            assert (await _sign_in(device, "P-rm-1", PASSWORD)).status_code == 303
        async with _client(pool, web_settings) as colleague:
            assert (await _sign_in(colleague, "P-rm-2", PASSWORD)).status_code == 303
            env = stack_env(tmp_path, SCLS_DATABASE_URL=database_url)
            ended = await run_cli_async("people", "end-sessions", "P-rm-1", env=env)
            assert ended.returncode == 0, ended.stderr
            assert ended.stdout.strip() == "2 sessions of P-rm-1 ended"
            for device in (laptop, phone):
                assert (await device.get("/tasks")).status_code == 303
            assert (await colleague.get("/tasks")).status_code == 200


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [("https://scls.example.org", True), ("http://127.0.0.1:8000", False), (None, False)],
)
async def test_the_session_cookie_is_secure_when_the_console_is_served_over_https(
    pool: asyncpg.Pool,
    web_settings: Settings,
    directory: Directory,
    base_url: str | None,
    secure: bool,
) -> None:
    settings = web_settings.model_copy(update={"web_base_url": base_url})
    async with _client(pool, settings, base=base_url or BASE) as http:
        signed = await _sign_in(http, "P-rm-1", PASSWORD)
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and "httponly" in cookie.lower()
        assert ("; secure" in cookie.lower()) is secure
        assert ("strict-transport-security" in signed.headers) is secure


async def test_every_answer_carries_the_security_headers(http: httpx.AsyncClient) -> None:
    assert (await _sign_in(http, "P-rm-1", PASSWORD)).status_code == 303
    answers = {
        "sign-in page": await http.get("/sign-in"),
        "my tasks": await http.get("/tasks"),
        "unknown participant": await http.get("/participants/P-nobody"),
        "unknown path": await http.get("/nowhere"),
    }
    for what, answer in answers.items():
        headers = answer.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, what
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
        assert headers["x-frame-options"] == "DENY", what
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["referrer-policy"] == "no-referrer", what
        assert headers["cache-control"] == "no-store", what
    static = await http.get("/static/site.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")
    assert static.headers["x-content-type-options"] == "nosniff"


def test_no_page_has_inline_script_or_style() -> None:
    """What the policy forbids, the templates do not use (the browser tests load the pages
    with the policy on and see no violation)."""
    templates = Path(__file__).resolve().parents[2] / "scls" / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert "<script" not in text and "<style" not in text, template.name
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
