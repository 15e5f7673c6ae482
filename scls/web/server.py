"""Serving the console with uvicorn inside a running event loop, as `scls web` and
`scls dev` do: until `stop` is set, against the given Postgres and the configured Temporal.
(`serve` and `web_url` are scls/serving.py's: the worker serves its probes the same way
without loading the console.)
"""

from __future__ import annotations

import asyncio

from scls.serving import serve, web_secret, web_url
from scls.settings import Settings
from scls.web.app import create_app
from scls.web.services import WebServices

__all__ = ["serve", "serve_web", "web_secret", "web_url"]


async def serve_web(
    settings: Settings,
    database_url: str,
    stop: asyncio.Event,
    started: asyncio.Event | None = None,
) -> None:
    """The console as configured, with its own pool, until `stop` is set. The payload keys
    are read first: without them the console could neither send to Temporal nor serve
    the codec endpoint. `started` is set once it listens."""
    from scls.payload_codec import EncryptionCodec
    from scls.payload_keys import load_keyring
    from scls.temporal import connect
    from scls.tracing import start_tracing
    from scls.web.codec import codec_token
    from store.pool import open_pool

    start_tracing(settings, "scls-console")
    codec = EncryptionCodec(load_keyring(settings))
    pool = await open_pool(database_url)
    try:
        services = WebServices(pool=pool, settings=settings, connect=lambda: connect(settings))
        app = create_app(
            services, web_secret(settings), codec=codec, codec_token=codec_token(settings)
        )
        await serve(app, settings.web_host, settings.web_port, stop, started)
    finally:
        await pool.close()
