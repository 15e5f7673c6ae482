"""The embedded Postgres: starts from an empty folder, answers on TCP, keeps its data."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import asyncpg
import psutil
import pytest

from scls.stack.ports import port_is_free
from scls.stack.postgres_embedded import EmbeddedPostgres

pytestmark = [pytest.mark.postgres]


def _gone(pid: int) -> bool:
    # A stopped postmaster is re-parented to init; where init does not reap (containers)
    # it lingers as a zombie, which is as dead as it gets.
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


async def _execute(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _fetchval(dsn: str, sql: str) -> object:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


async def test_starts_answers_on_tcp_and_keeps_data_across_restart(
    embedded_postgres: EmbeddedPostgres, data_dir: Path
) -> None:
    async with asyncio.timeout(120):
        await asyncio.to_thread(embedded_postgres.start)
        assert embedded_postgres.dsn.startswith("postgresql://postgres@127.0.0.1:")
        assert await _fetchval(embedded_postgres.dsn, "SELECT current_database()") == "scls"
        await _execute(
            embedded_postgres.dsn, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)"
        )

        await asyncio.to_thread(embedded_postgres.stop)
        assert embedded_postgres.pid is None
        assert port_is_free(embedded_postgres.port)

        again = EmbeddedPostgres(data_dir, port=embedded_postgres.port)
        await asyncio.to_thread(again.start)
        assert await _fetchval(again.dsn, "SELECT id FROM kept") == 7


async def test_a_server_left_running_is_restarted_on_the_current_port(
    embedded_postgres: EmbeddedPostgres, data_dir: Path
) -> None:
    async with asyncio.timeout(120):
        await asyncio.to_thread(embedded_postgres.start)
        first_pid = embedded_postgres.pid
        assert first_pid is not None

        # As after a crash of `scls dev`: the server lives on, and the next run has new settings.
        from scls.stack.ports import free_port

        moved = EmbeddedPostgres(data_dir, port=free_port())
        try:
            await asyncio.to_thread(moved.start)
            assert moved.pid not in (None, first_pid)
            assert _gone(first_pid)
            assert await _fetchval(moved.dsn, "SELECT 1") == 1
        finally:
            await asyncio.to_thread(moved.stop)


async def test_starts_after_the_postmaster_was_killed(
    embedded_postgres: EmbeddedPostgres, data_dir: Path
) -> None:
    async with asyncio.timeout(120):
        await asyncio.to_thread(embedded_postgres.start)
        await _execute(embedded_postgres.dsn, "CREATE TABLE survived (id int)")
        pid = embedded_postgres.pid
        assert pid is not None
        # Checkpoint nothing, leave postmaster.pid behind: the crash case.
        os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(_wait_gone, pid)
        assert _gone(pid)
        assert (data_dir / "postgres" / "postmaster.pid").exists()

        await asyncio.to_thread(embedded_postgres.start)
        assert await _fetchval(embedded_postgres.dsn, "SELECT count(*) FROM survived") == 0
