"""The worker service: runs the programme's workflows and activities on one task queue.

One asyncpg pool per process, opened at start and closed at shutdown. On stop (SIGTERM in
`scls worker`, Ctrl-C in `scls dev`) the worker stops polling, lets running activities
finish within the grace period and hands the rest back to Temporal for another worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.worker import Interceptor, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.event_store import EventStoreActivities
from activities.notifications import NotificationActivities
from activities.placements import PlacementActivities
from mail.check_in_links import check_in_links
from scls.interceptors import LogContextInterceptor
from scls.settings import Settings, load_settings
from scls.temporal import connect
from store.migrate import MigrationError, pending_migrations
from store.pool import open_pool
from store.read_models import PROJECTIONS
from workflows import WORKFLOWS

GRACEFUL_SHUTDOWN = timedelta(seconds=20)

# Loaded once outside the sandbox: re-importing them per workflow run is slow enough to
# trip the SDK's deadlock detector, and they hold no per-run state.
PASSTHROUGH_MODULES = (
    "pydantic",
    "pydantic_core",
    "structlog",
    "domain",
    "contracts",
)

log = structlog.get_logger(__name__)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox the workflows run in: the worker's and the replay tests' (one definition,
    so a replay test runs the workflows exactly as the worker does)."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def build_worker(
    client: Client,
    pool: asyncpg.Pool,
    task_queue: str,
    settings: Settings | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Worker:
    """The worker for `task_queue`; `settings` give the mail server (default: the
    environment); `interceptors` come after the engine's own (fault tests add theirs)."""
    from scls.web.server import web_secret, web_url

    settings = settings or load_settings()
    event_store = EventStoreActivities(pool, PROJECTIONS)
    links = check_in_links(web_url(settings), lambda: web_secret(settings))
    notifications = NotificationActivities(pool, settings.smtp, links)
    placements = PlacementActivities(pool)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            event_store.append_events,
            notifications.send_notification,
            placements.participants_at_home,
        ],
        interceptors=[LogContextInterceptor(), *interceptors],
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )


async def _refuse_pending_migrations(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        pending = await pending_migrations(connection)
    if pending:
        names = ", ".join(f"{m.version}_{m.name}" for m in pending)
        raise MigrationError(
            f"the database has migrations pending ({names}): run `scls db migrate` first"
        )


async def run_worker(settings: Settings, *, stop: asyncio.Event, database_url: str) -> None:
    """Run until `stop` is set, then shut down gracefully."""
    client = await connect(settings)
    pool = await open_pool(database_url)
    try:
        await _refuse_pending_migrations(pool)
        worker = build_worker(client, pool, settings.temporal_task_queue, settings)
        async with worker:
            log.info("worker started", task_queue=settings.temporal_task_queue)
            await stop.wait()
            log.info("worker stopping", task_queue=settings.temporal_task_queue)
        log.info("worker stopped", task_queue=settings.temporal_task_queue)
    finally:
        await pool.close()
