"""The codec endpoint the Temporal Web UI and CLI call (POST /codec/decode and /encode):
who may use it, the browser's CORS check for the Web UI's origin, and what it returns."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from domain.people import Directory
from scls.payload_codec import EncryptionCodec
from scls.settings import Settings
from scls.web.app import create_app
from scls.web.services import WebServices
from tests.payload_keys import TEST_KEYRING
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.postgres

TOKEN = "the-codec-token"
UI = "http://127.0.0.1:8233"
CONCERN = b'{"reason":"left alone with a resident"}'


async def _no_temporal():  # type: ignore[no-untyped-def]
    raise AssertionError("the codec never asks Temporal")


@pytest.fixture
async def http(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> AsyncIterator[httpx.AsyncClient]:
    settings = web_settings.model_copy(update={"codec_origins": UI})
    app = create_app(
        WebServices(pool=pool, settings=settings, connect=_no_temporal),
        "s3cret",
        codec=EncryptionCodec(TEST_KEYRING),
        codec_token=TOKEN,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


def _body(data: bytes, encoding: bytes = b"json/plain") -> dict[str, object]:
    return {
        "payloads": [
            {
                "metadata": {"encoding": base64.b64encode(encoding).decode()},
                "data": base64.b64encode(data).decode(),
            }
        ]
    }


async def _sign_in(http: httpx.AsyncClient, login: str) -> None:
    page = (await http.get("/sign-in")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    signed = await http.post(
        "/sign-in", data={"csrf_token": token.group(1), "login": login, "password": PASSWORD}
    )
    assert signed.status_code == 303


async def test_the_token_encodes_and_decodes(http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "X-Namespace": "default"}
    encoded = await http.post("/codec/encode", json=_body(CONCERN), headers=auth)
    assert encoded.status_code == 200, encoded.text
    [sealed] = encoded.json()["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"left alone" not in base64.b64decode(sealed["data"])
    decoded = await http.post("/codec/decode", json={"payloads": [sealed]}, headers=auth)
    [plain] = decoded.json()["payloads"]
    assert base64.b64decode(plain["data"]) == CONCERN
    # A payload from before encryption comes back as it was.
    passed = await http.post("/codec/decode", json=_body(b'"old"'), headers=auth)
    assert passed.json() == _body(b'"old"')
    assert encoded.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("header", [None, "Bearer guessed", f"Basic {TOKEN}", "Bearer "])
async def test_without_the_token_or_an_ops_session_it_answers_401(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for direction in ("decode", "encode"):
        refused = await http.post(f"/codec/{direction}", json=_body(CONCERN), headers=headers)
        assert refused.status_code == 401 and "payloads" not in refused.json()


async def test_ops_signed_in_to_the_console_may_decode_and_others_may_not(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> None:
    settings = web_settings.model_copy(update={"codec_origins": UI})
    for login, allowed in (("P-ops-1", True), ("P-rm-1", False)):
        app = create_app(
            WebServices(pool=pool, settings=settings, connect=_no_temporal),
            "s3cret",
            codec=EncryptionCodec(TEST_KEYRING),
            codec_token=TOKEN,
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as browser:
            await _sign_in(browser, login)
            # As the Web UI sends it, with "include cross-origin credentials" on.
            answer = await browser.post("/codec/decode", json=_body(b'"x"'), headers={"Origin": UI})
            assert (answer.status_code == 200) is allowed, (login, answer.text)
            assert answer.headers["access-control-allow-origin"] == UI
            assert answer.headers["access-control-allow-credentials"] == "true"


async def test_the_browser_may_call_it_from_the_web_uis_origin_only(
    http: httpx.AsyncClient,
) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    allowed = await http.options("/codec/decode", headers={"Origin": UI, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in allowed.headers["access-control-allow-headers"].lower()
    other = await http.options(
        "/codec/decode", headers={"Origin": "https://evil.example", **preflight}
    )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
