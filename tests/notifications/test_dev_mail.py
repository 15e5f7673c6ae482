"""`scls dev` and mail: the sink starts before the worker and stops after it, the panel
says where mail is kept, and a real mail server in SCLS_SMTP_HOST means no sink."""

from __future__ import annotations

import asyncio
import io
import re
import socket
from pathlib import Path

import asyncpg
import pytest
from rich.console import Console
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from activities.outbox import Delivery
from contracts.notifications import NotificationKind, NotificationRequest
from scls.settings import Settings, load_settings
from scls.stack.dev import _required_ports, run_dev, runs_smtp_sink
from scls.stack.ports import port_is_free
from scls.stack.smtp_sink import SmtpSink
from tests.cli import free_port, run_cli, stack_env


@pytest.mark.postgres
async def test_dev_runs_the_sink_for_the_worker_and_says_where_mail_is_kept(
    tmp_path: Path, database_url: str, pool: asyncpg.Pool, people: None
) -> None:
    data_dir = tmp_path / "data"
    smtp_port = free_port()
    # SCLS_DATABASE_URL set: only Temporal and the sink start, which keeps this quick.
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        dev_temporal_port=free_port(),
        dev_temporal_ui_port=free_port(),
        smtp_port=smtp_port,
        web_port=free_port(),
    )
    stop = asyncio.Event()
    sent: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()

    async def stand_in_worker(
        worker_settings: Settings, worker_stop: asyncio.Event, _database_url: str
    ) -> None:
        # What the real worker would do with the settings `scls dev` gives it.
        notifications = NotificationActivities(pool, worker_settings.smtp)
        request = NotificationRequest(
            idempotency_key="dev-1",
            kind=NotificationKind.TASK_REMINDER,
            recipient="mgr-1",
            participant_id="par-1",
            task_title="Progress review",
            reminder_number=1,
        )
        try:
            result = await ActivityEnvironment().run(notifications.send_notification, request)
            sent.set_result(result.outcome)
        except Exception as error:
            sent.set_exception(error)
        await worker_stop.wait()

    console_output = io.StringIO()
    console = Console(file=console_output, width=500)
    dev = asyncio.create_task(run_dev(settings, console=console, stop=stop, worker=stand_in_worker))
    try:
        async with asyncio.timeout(90):
            assert await sent == Delivery.SENT
    finally:
        stop.set()
        async with asyncio.timeout(60):
            await dev

    output = console_output.getvalue()
    mail_folder = data_dir.resolve() / "mail" / "new"
    mail_row = f"Mail +smtp://127.0.0.1:{smtp_port}, kept in {re.escape(str(mail_folder))}"
    assert re.search(mail_row, output), output
    assert output.index("stopping worker") < output.index("stopping SMTP sink"), output
    [kept] = list(mail_folder.iterdir())
    assert b"Subject: Reminder 1: Progress review for Pat Participant" in kept.read_bytes()
    assert port_is_free(smtp_port)


def test_a_real_mail_server_means_no_sink_and_no_port_to_check() -> None:
    remote = load_settings(smtp_host="smtp.example.org", smtp_port=587)
    assert not runs_smtp_sink(remote)
    assert "SCLS_SMTP_PORT" not in _required_ports(remote)
    local = load_settings(smtp_host="localhost", smtp_port=2525)
    assert runs_smtp_sink(local)
    assert _required_ports(local)["SCLS_SMTP_PORT"] == 2525


def test_busy_smtp_port_names_the_setting(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("dev", env=stack_env(data_dir, SCLS_SMTP_PORT=str(port)), cwd=tmp_path)
    assert result.returncode == 2
    assert f"port {port} (SCLS_SMTP_PORT) is in use by another program" in " ".join(
        result.stderr.split()
    )
    assert "Traceback" not in result.stderr


def test_sink_refuses_a_busy_port_by_naming_the_setting(tmp_path: Path) -> None:
    from scls.stack.errors import StackError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        sink = SmtpSink(tmp_path, port=busy.getsockname()[1])
        with pytest.raises(StackError, match="SCLS_SMTP_PORT"):
            sink.start()
    assert not sink.running
