"""A rehearsal's own corner of the live stack, so nothing mixes with real participants: a
database created and migrated on the same Postgres, a namespace registered (with the
engine's search attributes) on the same Temporal, a mail sink of its own (mail to the
cohort file's addresses never leaves the machine), and a worker for that namespace and
database. The database and namespace are kept afterwards: `scls report cohort` reads
the rehearsal's record with SCLS_DATABASE_URL naming its database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from temporalio.client import Client

from scls.cli.common import database_url, owner_database_url
from scls.settings import Settings

TASK_QUEUE = "scls-rehearsal"
NAMESPACE_RETENTION = timedelta(days=7)
NAMESPACE_READY_WITHIN = 60.0  # seconds: a new namespace reaches the frontend's cache


@dataclass(frozen=True)
class RehearsalStack:
    name: str  # the database's and the namespace's
    database_url: str  # as the application's login
    client: Client  # on the rehearsal's namespace
    pool: asyncpg.Pool
    task_queue: str


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@asynccontextmanager
async def rehearsal_stack(settings: Settings, cohort_id: str) -> AsyncIterator[RehearsalStack]:
    from scls.stack.ports import free_port
    from scls.stack.smtp_sink import SmtpSink
    from scls.temporal import connect
    from store.migrate import migrate
    from store.pool import open_pool
    from worker import build_worker

    name = f"scls_rehearsal_{cohort_id.lower().replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    await _create_database(owner_database_url(settings), name)
    await migrate(with_database(owner_database_url(settings), name))
    url = with_database(database_url(settings), name)
    namespace = name.replace("_", "-")
    await _register_namespace(await connect(settings), namespace)
    sink = SmtpSink(settings.data_dir / "rehearsals" / name, port=free_port())
    sink.start()
    rehearsal = settings.model_copy(
        update={
            "temporal_namespace": namespace,
            "database_url": url,
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "smtp_username": None,
            "smtp_password": None,
            "smtp_starttls": False,
        }
    )
    client = await _ready(rehearsal)
    pool = await open_pool(url)
    try:
        async with build_worker(client, pool, TASK_QUEUE, rehearsal):
            yield RehearsalStack(name, url, client, pool, TASK_QUEUE)
            await _terminate_running(client)
    finally:
        await pool.close()
        sink.stop()


async def _create_database(owner_url: str, name: str) -> None:
    admin = await asyncpg.connect(owner_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _register_namespace(client: Client, namespace: str) -> None:
    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest

    retention = Duration()
    retention.FromTimedelta(NAMESPACE_RETENTION)
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=retention)
    )


async def _ready(settings: Settings) -> Client:
    """A client on the new namespace once the server serves it, with the search
    attributes the workflows set."""
    from scls.temporal import connect, register_search_attributes

    loop = asyncio.get_running_loop()
    deadline = loop.time() + NAMESPACE_READY_WITHIN
    while True:
        try:
            client = await connect(settings)
            await register_search_attributes(client, settings.temporal_namespace)
            await client.count_workflows()
            return client
        except Exception:  # the namespace is not in the frontend's cache yet
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)


async def _terminate_running(client: Client) -> None:
    """What outlives the programme in the rehearsal (the cohort, alumni records) stops
    with it: the namespace keeps its histories, and nothing waits there for ever."""
    from temporalio.service import RPCError, RPCStatusCode

    async for execution in client.list_workflows("ExecutionStatus = 'Running'"):
        try:
            await client.get_workflow_handle(execution.id).terminate("rehearsal over")
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:  # closed since it was listed
                raise
