"""`scls dev`: run the whole engine locally (embedded Postgres, Temporal dev server, worker)."""

from __future__ import annotations

import asyncio

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors


@expected_errors
def dev() -> None:
    """Run Postgres, Temporal's dev server and the worker from the data folder until Ctrl-C."""
    from scls.stack.dev import run_dev

    settings = settings_and_logging()
    asyncio.run(run_dev(settings))
