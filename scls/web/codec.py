"""The codec endpoint: Temporal's codec server protocol, so the Temporal Web UI and the
`temporal` CLI can show the payloads the engine encrypts (scls/payload_codec.py).

The console serves it at `/codec` (POST /codec/decode and /codec/encode, a JSON body
`{"payloads": [...]}` of payloads in protobuf's JSON form, the same back). Who may use it:
- a caller with `Authorization: Bearer <SCLS_CODEC_TOKEN>` (the CLI's `--codec-auth`);
- a browser signed in to the console as ops, whose cookie comes along when the Web UI's
  codec settings "include cross-origin credentials" (the UI's origin must be one of
  SCLS_CODEC_ORIGINS, and on the same site as the console, so its cookie is sent).
Anyone else gets 401 and learns nothing. Decoding shows personal data: each use is
logged (who, how many payloads), never the payloads.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payloads

from domain.roles import Role
from scls.logging import get_logger
from scls.payload_codec import EncryptionCodec
from scls.payload_keys import PayloadKeyError
from scls.settings import Settings
from scls.web.services import WebServices
from scls.web.session import session_person_id
from store.directory import person

TOKEN_FILE = "codec-token"
CODEC_PATH = "/codec"

log = get_logger(__name__)


def codec_token(settings: Settings) -> str:
    """SCLS_CODEC_TOKEN, or one made once and kept in the data folder (owner-only)."""
    if settings.codec_token is not None:
        return settings.codec_token.get_secret_value()
    path = Path(settings.data_dir).expanduser() / TOKEN_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(token, encoding="utf-8")
    return token


async def _caller(request: Request, services: WebServices, token: str) -> str | None:
    """Who is calling ("token", or the ops person's id), or None when no one may."""
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and given and secrets.compare_digest(given.strip(), token):
        return "token"
    session = request.scope.get("session") or {}
    person_id = await session_person_id(services.pool, session)
    if person_id is None:
        return None
    found = await person(services.pool, person_id)
    if found is None or Role.OPS not in found.roles:
        return None
    return person_id


def codec_app(services: WebServices, codec: EncryptionCodec, token: str) -> FastAPI:
    """The codec endpoint as an app of its own, mounted by the console at CODEC_PATH."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    origins = services.settings.codec_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            max_age=600,
        )

    async def convert(request: Request, direction: str) -> Response:
        caller = await _caller(request, services, token)
        if caller is None:
            log.warning("codec refused", direction=direction, reason="not authenticated")
            return JSONResponse(
                {"message": "sign in to the console as ops, or send the codec token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            payloads = json_format.Parse(await request.body(), Payloads())
        except (json_format.ParseError, DecodeError, UnicodeDecodeError, ValueError):
            return JSONResponse({"message": 'the body must be {"payloads": [...]}'}, 400)
        try:
            if direction == "decode":
                result = await codec.decode(payloads.payloads)
            else:
                result = await codec.encode(payloads.payloads)
        except PayloadKeyError as error:
            log.warning("codec failed", direction=direction, reason=str(error))
            return JSONResponse({"message": str(error)}, 422)
        log.info(
            "codec used",
            direction=direction,
            caller=caller,
            payloads=len(result),
            namespace=request.headers.get("x-namespace"),
        )
        body = {"payloads": [json_format.MessageToDict(payload) for payload in result]}
        return Response(json.dumps(body), media_type="application/json")

    @app.post("/decode")
    async def decode(request: Request) -> Response:
        return await convert(request, "decode")

    @app.post("/encode")
    async def encode(request: Request) -> Response:
        return await convert(request, "encode")

    return app
