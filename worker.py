"""The worker service: runs the programme's workflows and activities on one task queue.

One asyncpg pool per process, opened at start and closed at shutdown. On stop (SIGTERM in
`scls worker`, Ctrl-C in `scls dev`) the worker stops polling, lets running activities
finish within the grace period and hands the rest back to Temporal for another worker.

In production it also serves its probes and metrics (SCLS_WORKER_HTTP_PORT), the SDK's
own metrics (SCLS_TEMPORAL_METRICS_ADDRESS) and traces (SCLS_OTLP_ENDPOINT), and polls as
one build of a Worker Deployment (SCLS_WORKER_DEPLOYMENT_NAME, SCLS_WORKER_BUILD_ID).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Interceptor, Worker, WorkerDeploymentConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.digest import DigestActivities
from activities.event_store import EventStoreActivities
from activities.notifications import NotificationActivities
from activities.placement_flags import PlacementFlagActivities
from activities.placements import PlacementActivities
from activities.retention import RetentionActivities
from mail.check_in_links import check_in_links
from scls.interceptors import LogContextInterceptor
from scls.serving import serve, web_url
from scls.settings import Settings, load_settings
from scls.stack.ports import require_free_ports
from scls.temporal import connect
from scls.tracing import start_tracing, stop_tracing
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
    "opentelemetry",  # the tracing interceptor's, when SCLS_OTLP_ENDPOINT is set
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
    """The worker for `task_queue`; `settings` give the mail server, the console's address
    and secret for the links in mail, and the Worker Deployment build (default: the
    environment); `interceptors` come after the engine's own (fault tests add theirs)."""
    from scls.documents import document_store
    from scls.serving import web_secret

    settings = settings or load_settings()
    event_store = EventStoreActivities(pool, PROJECTIONS)
    links = check_in_links(web_url(settings), lambda: web_secret(settings))
    notifications = NotificationActivities(pool, settings.smtp, links)
    placements = PlacementActivities(pool)
    flags = PlacementFlagActivities(pool, settings.smtp, web_url(settings))
    digests = DigestActivities(pool, settings.smtp, web_url(settings))
    retention = RetentionActivities(
        pool, PROJECTIONS, settings.retention_policy, document_store(settings)
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            event_store.append_events,
            notifications.send_notification,
            placements.participants_at_home,
            flags.flag_placement,
            digests.digest_recipients,
            digests.send_digest,
            retention.apply_retention,
        ],
        interceptors=[LogContextInterceptor(), *interceptors],
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        deployment_config=deployment_config(settings),
    )


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """This build of the Worker Deployment, when one is configured. Every run is pinned to
    the build it started on; participants and cohorts move to the current build when they
    continue as new (docs/versioning.md). The behaviour is the worker's default rather
    than each workflow's own: Temporal refuses a declared behaviour from a worker that
    does not use versioning (`scls dev`, tests, a cluster without deployments)."""
    if settings.worker_deployment_name is None or settings.worker_build_id is None:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(
            deployment_name=settings.worker_deployment_name, build_id=settings.worker_build_id
        ),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )


def sdk_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting the SDK's metrics for Prometheus, when asked for."""
    if settings.temporal_metrics_address is None:
        return None
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=settings.temporal_metrics_address)
        )
    )


async def _refuse_pending_migrations(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        pending = await pending_migrations(connection)
    if pending:
        names = ", ".join(f"{m.version}_{m.name}" for m in pending)
        raise MigrationError(
            f"the database has migrations pending ({names}): run `scls db migrate` first"
        )


@asynccontextmanager
async def _probes(
    settings: Settings, pool: asyncpg.Pool, client: Client, worker: Worker
) -> AsyncIterator[None]:
    """The worker's /healthz, /readyz and /metrics while it runs, if a port is set."""
    if settings.worker_http_port is None:
        yield
        return

    # Loaded only when served: FastAPI is not light, and a worker restarted after a crash
    # should be polling again at once.
    from scls.probes import Readiness, worker_probes

    async def temporal() -> Client:
        return client

    require_free_ports(
        {"SCLS_WORKER_HTTP_PORT": settings.worker_http_port}, settings.worker_http_host
    )
    app = worker_probes(Readiness(pool, temporal), alive=lambda: not worker.is_shutdown)
    stop = asyncio.Event()
    serving = asyncio.create_task(
        serve(app, settings.worker_http_host, settings.worker_http_port, stop)
    )
    log.info(
        "probes and metrics served",
        address=f"http://{settings.worker_http_host}:{settings.worker_http_port}",
    )
    try:
        yield
    finally:
        stop.set()
        await serving


async def run_worker(settings: Settings, *, stop: asyncio.Event, database_url: str) -> None:
    """Run until `stop` is set, then shut down gracefully."""
    start_tracing(settings, "scls-worker")
    client = await connect(settings, runtime=sdk_runtime(settings))
    pool = await open_pool(database_url)
    try:
        await _refuse_pending_migrations(pool)
        worker = build_worker(client, pool, settings.temporal_task_queue, settings)
        async with worker, _probes(settings, pool, client, worker):
            log.info("worker started", task_queue=settings.temporal_task_queue)
            await stop.wait()
            log.info("worker stopping", task_queue=settings.temporal_task_queue)
        log.info("worker stopped", task_queue=settings.temporal_task_queue)
    finally:
        await pool.close()
        stop_tracing()
