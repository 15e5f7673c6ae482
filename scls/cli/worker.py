"""`scls worker`: the production worker, against the configured Temporal and Postgres."""

from __future__ import annotations

import asyncio
import signal

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.logging import get_logger
from scls.settings import Settings

log = get_logger(__name__)


@expected_errors
def worker() -> None:
    """Run the worker until SIGTERM/Ctrl-C; in-flight tasks finish or are handed back.

    Needs SCLS_DATABASE_URL, and refuses to start while migrations are pending
    (`scls db migrate` applies them).
    """
    settings = settings_and_logging()
    if settings.database_url is None:
        fail(
            "SCLS_DATABASE_URL is not set: the worker needs the Postgres that keeps the "
            "record (for example postgresql://scls@db.internal/scls)"
        )
    asyncio.run(_serve(settings, settings.database_url))


async def _serve(settings: object, database_url: str) -> None:
    from worker import run_worker

    assert isinstance(settings, Settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(signum: int) -> None:
        log.info("stop requested", signal=signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, request_stop, signum)
    await run_worker(settings, stop=stop, database_url=database_url)
