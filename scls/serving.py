"""Serving an ASGI app with uvicorn inside a running event loop, until an event is set:
the console (`scls web`, `scls dev`) and the worker's probes and metrics; and the
console's address and secret, which the worker also needs for links in mail. Light on
purpose: the worker imports it without loading the console."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from scls.settings import Settings


class _Server(uvicorn.Server):
    """uvicorn, leaving SIGINT and SIGTERM to the caller (which sets `stop`), and saying
    when it listens."""

    def __init__(self, config: uvicorn.Config, listening: asyncio.Event) -> None:
        super().__init__(config)
        self._listening = listening

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._listening.set()


async def serve(
    app: ASGIApp, host: str, port: int, stop: asyncio.Event, started: asyncio.Event | None = None
) -> None:
    """Serve `app` on host:port until `stop` is set; `started` is set once it listens."""
    config = uvicorn.Config(
        app, host=host, port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = _Server(config, started or asyncio.Event())
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving


def web_url(settings: Settings) -> str:
    """Where people reach the console: SCLS_WEB_BASE_URL, or where it listens."""
    return settings.web_base_url or f"http://{settings.web_host}:{settings.web_port}"


SECRET_FILE = "web-secret"


def web_secret(settings: Settings) -> str:
    """SCLS_WEB_SECRET, or one made once and kept in the data folder (readable by its
    owner only), so sessions outlive a restart."""
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value()
    path = Path(settings.data_dir).expanduser() / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret, encoding="utf-8")
    return secret
