"""`scls dev` and the CLI's error handling, through the real command and the real servers."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from rich.console import Console
from temporalio.client import Client

from scls.settings import load_settings
from scls.stack.dev import run_dev
from scls.stack.lock import DevLock
from scls.stack.pids import ChildRecord
from scls.stack.ports import port_is_free
from tests.cli import free_port, run_cli, stack_env


def test_second_dev_on_a_locked_folder_says_so(data_dir: Path, tmp_path: Path) -> None:
    with DevLock(data_dir):
        result = run_cli("dev", env=stack_env(data_dir), cwd=tmp_path)
    assert result.returncode != 0
    assert (
        f"another `scls dev` is running on {data_dir.resolve()} (pid {os.getpid()}); stop it first"
        in " ".join(result.stderr.split())
    )
    assert "Traceback" not in result.stderr


def test_busy_port_names_the_setting(data_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = stack_env(data_dir, SCLS_DEV_TEMPORAL_PORT=str(port))
        result = run_cli("dev", env=env, cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert f"port {port} (SCLS_DEV_TEMPORAL_PORT) is in use by another program" in message
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["settings"], ["dev"], ["worker"], ["db", "migrate"]])
def test_settings_errors_name_the_variable_without_traceback(
    command: list[str], data_dir: Path, tmp_path: Path
) -> None:
    env = stack_env(data_dir, SCLS_DEV_POSTGRES_PORT="not-a-port")
    result = run_cli(*command, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "SCLS_DEV_POSTGRES_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_worker_requires_a_database_url(data_dir: Path, tmp_path: Path) -> None:
    result = run_cli("worker", env=stack_env(data_dir), cwd=tmp_path)
    assert result.returncode == 2
    assert "SCLS_DATABASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_masks_secrets(data_dir: Path, tmp_path: Path) -> None:
    env = stack_env(
        data_dir,
        SCLS_TEMPORAL_API_KEY="very-secret-key",
        SCLS_DATABASE_URL="postgresql://scls:hunter2@db.internal/scls",
    )
    result = run_cli("settings", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "very-secret-key" not in result.stdout
    assert "hunter2" not in result.stdout
    assert "SCLS_TEMPORAL_API_KEY" in result.stdout


def test_leftovers_are_stopped_only_if_their_command_line_matches(data_dir: Path) -> None:
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    theirs = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(301)"])
    try:
        record = ChildRecord(data_dir)
        record.add("temporal", ours.pid)
        record.add("postgres", theirs.pid)
        # As if `theirs` had reused a recorded pid: a different command line was recorded.
        entries = record.read()
        entries["postgres"]["cmdline"] = ["postgres", "-D", "/elsewhere"]
        record._write(entries)

        assert record.stop_leftovers(grace=5) == ["temporal"]
        assert ours.wait(5) is not None
        assert theirs.poll() is None
        assert not record.path.exists()
    finally:
        for process in (ours, theirs):
            process.kill()
            process.wait()


@pytest.mark.postgres
async def test_dev_starts_everything_and_stops_in_reverse(data_dir: Path) -> None:
    data_dir = data_dir.resolve()  # noqa: ASYNC240
    settings = load_settings(
        data_dir=data_dir,
        dev_temporal_port=free_port(),
        dev_temporal_ui_port=free_port(),
        dev_postgres_port=free_port(),
        smtp_port=free_port(),
        web_port=free_port(),
    )
    stop = asyncio.Event()
    worker_started = asyncio.Event()
    seen: dict[str, str] = {}

    async def stand_in_worker(worker_settings, worker_stop, database_url):  # type: ignore[no-untyped-def]
        seen["temporal_address"] = worker_settings.temporal_address
        seen["database_url"] = database_url
        worker_started.set()
        await worker_stop.wait()

    console = Console(file=io.StringIO(), width=200)
    dev = asyncio.create_task(run_dev(settings, console=console, stop=stop, worker=stand_in_worker))
    try:
        async with asyncio.timeout(180):
            await worker_started.wait()
            # Everything is up once the addresses are printed (into a StringIO: no event
            # to wait on).
            printed = console.file.getvalue  # type: ignore[attr-defined]
            while f"http://127.0.0.1:{settings.web_port}" not in printed():  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            assert seen["temporal_address"] == f"127.0.0.1:{settings.dev_temporal_port}"
            # The worker and console connect as the application role's login, not the
            # superuser: the record is theirs to append to, never to change.
            assert seen["database_url"].startswith("postgresql://scls@")
            connection = await asyncpg.connect(seen["database_url"], timeout=10)
            try:
                assert await connection.fetchval("SELECT count(*) FROM schema_migrations") >= 1
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute("ALTER TABLE events DISABLE TRIGGER ALL")
            finally:
                await connection.close()
            client = await Client.connect(seen["temporal_address"])
            await client.count_workflows()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.web_port}") as web:
                page = await web.get("/tasks")  # not signed in: sent to sign in
                assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
                assert "Sign in" in (await web.get("/sign-in")).text
            # The payload keys were made on this first start, for the owner's eyes only,
            # and the Web UI decodes through the console's codec endpoint, which lets
            # the UI's origin in and no one without the token or an ops session.
            keys = data_dir / "payload-keys"
            assert keys.is_file() and stat.S_IMODE(keys.stat().st_mode) == 0o600
            codec = f"http://127.0.0.1:{settings.web_port}/codec"
            ui = f"http://127.0.0.1:{settings.dev_temporal_ui_port}"
            async with httpx.AsyncClient() as http:
                ui_settings = (await http.get(f"{ui}/api/v1/settings")).json()
                assert ui_settings["Codec"]["Endpoint"] == codec
                refused = await http.post(
                    f"{codec}/decode", json={"payloads": []}, headers={"Origin": ui}
                )
                assert refused.status_code == 401
                assert refused.headers["access-control-allow-origin"] == ui
                token = (data_dir / "codec-token").read_text().strip()
                opened = await http.post(
                    f"{codec}/decode",
                    json={"payloads": []},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert opened.status_code == 200 and opened.json() == {"payloads": []}
            recorded = ChildRecord(data_dir).read()
            assert set(recorded) == {"postgres", "temporal"}
            pids = [int(str(entry["pid"])) for entry in recorded.values()]
    finally:
        stop.set()
        async with asyncio.timeout(120):
            await dev
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    for port in (settings.dev_temporal_port, settings.dev_postgres_port, settings.web_port):
        assert port_is_free(port)
    assert not (data_dir / "dev.pids").exists()
