"""`scls web`: the web console alone, against the configured Postgres and Temporal."""

from __future__ import annotations

import asyncio
import signal

from scls.cli.common import database_url, settings_and_logging
from scls.cli.errors import expected_errors


@expected_errors
def web() -> None:
    """Serve the web console (SCLS_WEB_HOST:SCLS_WEB_PORT) until Ctrl-C."""
    from scls.stack.ports import require_free_ports
    from scls.web.server import serve_web, web_url

    settings = settings_and_logging()
    require_free_ports({"SCLS_WEB_PORT": settings.web_port}, settings.web_host)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print(f"web console on {web_url(settings)} (Ctrl-C to stop)", flush=True)
        await serve_web(settings, database_url(settings), stop)

    asyncio.run(run())
