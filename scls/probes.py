"""Probes and metrics over HTTP, for an orchestrator and for Prometheus.

- `/healthz`: the process is alive (a liveness probe restarts it when this fails);
- `/readyz`: it can do its work now: Temporal answers, Postgres answers, and no migration
  is pending. 503 with the failing check named otherwise (a readiness probe takes it out
  of service until it passes again);
- `/metrics`: Prometheus text: the process's counters (activities/metrics.py,
  scls/web/metrics.py) and, on the worker, open and overdue tasks by kind counted in
  Postgres at scrape time.

The worker serves them on SCLS_WORKER_HTTP_PORT (`worker_probes`), the console on its
own port beside its pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from store.migrate import pending_migrations
from store.task_counts import TaskCount, task_counts

# A probe that waits longer than this on a dependency says it is not ready: an
# orchestrator's probe times out after a few seconds, and a hung check is an answer.
CHECK_SECONDS = 3.0
OK = "ok"


@dataclass
class Readiness:
    """What a process needs to do its work: Postgres with a current schema, and Temporal."""

    pool: asyncpg.Pool
    temporal: Callable[[], Awaitable[Client]]

    async def checks(self) -> dict[str, str]:
        """Each check's name and `ok`, or what is wrong; all run, each bounded."""
        temporal, (postgres, migrations) = await asyncio.gather(self._temporal(), self._postgres())
        return {"temporal": temporal, "postgres": postgres, "migrations": migrations}

    async def _temporal(self) -> str:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                client = await self.temporal()
                await client.workflow_service.get_system_info(
                    GetSystemInfoRequest(), timeout=timedelta(seconds=CHECK_SECONDS)
                )
        except Exception as error:  # any failure to answer is "not ready", with its reason
            return _problem(error)
        return OK

    async def _postgres(self) -> tuple[str, str]:
        try:
            async with asyncio.timeout(CHECK_SECONDS), self.pool.acquire() as connection:
                pending = await pending_migrations(connection)
        except Exception as error:
            return _problem(error), "unknown: Postgres did not answer"
        if pending:
            names = ", ".join(f"{m.version}_{m.name}" for m in pending)
            return OK, f"pending: {names} (run `scls db migrate`)"
        return OK, OK


def _problem(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {CHECK_SECONDS:g} s"
    return f"{type(error).__name__}: {error}".strip()[:300]


class _TaskGauges:
    """Open and overdue tasks by kind, as counted for one scrape."""

    def __init__(self, counts: list[TaskCount]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        open_tasks = GaugeMetricFamily(
            "scls_tasks_open", "Open tasks, by task kind", labels=["kind"]
        )
        overdue = GaugeMetricFamily(
            "scls_tasks_overdue",
            "Open tasks at or past their due instant, by task kind",
            labels=["kind"],
        )
        for count in self._counts:
            open_tasks.add_metric([count.kind], count.open)
            overdue.add_metric([count.kind], count.overdue)
        yield open_tasks
        yield overdue


def add_probes(
    app: FastAPI,
    readiness: Readiness,
    *,
    alive: Callable[[], bool] = lambda: True,
    counts_tasks: bool = False,
) -> None:
    """/healthz, /readyz and /metrics on `app`; `counts_tasks` adds the task gauges."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        if not alive():
            return JSONResponse({"alive": False}, status_code=503)
        return JSONResponse({"alive": True})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await readiness.checks()
        ready = all(result == OK for result in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = generate_latest(REGISTRY)
        if counts_tasks:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_TaskGauges(await task_counts(readiness.pool, datetime.now(UTC))))
            body += generate_latest(registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def worker_probes(readiness: Readiness, alive: Callable[[], bool]) -> FastAPI:
    """The worker's HTTP app: probes and metrics, nothing else."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    add_probes(app, readiness, alive=alive, counts_tasks=True)
    return app
