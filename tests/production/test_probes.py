"""The probes an orchestrator calls: /healthz and /readyz on the worker's HTTP app and on the
console, against real Postgres and the dev server. Ready only while Temporal answers,
Postgres answers and no migration is pending; otherwise 503, naming what is wrong."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from scls.probes import Readiness, worker_probes
from scls.settings import load_settings
from scls.web.app import create_app
from scls.web.services import WebServices
from store.pool import open_pool
from tests.conftest import with_database

pytestmark = pytest.mark.postgres


async def probe(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://probe"
    ) as http:
        return await http.get(path)


@pytest.fixture
async def unmigrated_pool(postgres_server_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A database nobody has run `scls db migrate` on."""
    name = f"scls_unmigrated_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    pool = await open_pool(with_database(postgres_server_url, name))
    try:
        yield pool
    finally:
        await pool.close()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_the_worker_is_ready_when_temporal_and_a_migrated_postgres_answer(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    async def temporal() -> Client:
        return dev_env.client

    app = worker_probes(Readiness(pool, temporal), alive=lambda: True)
    ready = await probe(app, "/readyz")
    assert (ready.status_code, ready.json()["ready"]) == (200, True)
    assert (await probe(app, "/healthz")).json() == {"alive": True}


async def test_not_ready_with_migrations_pending_or_temporal_away_and_each_is_named(
    unmigrated_pool: asyncpg.Pool,
) -> None:
    async def temporal() -> Client:
        raise RuntimeError("cannot connect to Temporal at 127.0.0.1:1")

    app = worker_probes(Readiness(unmigrated_pool, temporal), alive=lambda: False)
    ready = await probe(app, "/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["postgres"] == "ok"
    assert checks["migrations"].startswith("pending: 0001_event_store, ")
    assert checks["migrations"].endswith("(run `scls db migrate`)")
    assert checks["temporal"] == "RuntimeError: cannot connect to Temporal at 127.0.0.1:1"
    # A worker whose polling has shut down is not alive: the orchestrator restarts it.
    assert (await probe(app, "/healthz")).status_code == 503


async def test_the_console_serves_the_same_probes_beside_its_pages(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    async def temporal() -> Client:
        return dev_env.client

    console = create_app(
        WebServices(pool=pool, settings=load_settings(), connect=temporal), "s" * 40
    )
    assert (await probe(console, "/healthz")).status_code == 200
    ready = await probe(console, "/readyz")
    assert ready.status_code == 200, ready.text
    metrics = await probe(console, "/metrics")
    assert 'scls_console_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text
    # Pages still want a session: the probes do not open the console.
    assert (await probe(console, "/tasks")).status_code == 303
