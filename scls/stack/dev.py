"""`scls dev`: the whole engine on one machine, in one data folder, until Ctrl-C.

Order of start: Postgres (unless SCLS_DATABASE_URL is set), migrations, the payload keys
(made in the data folder on the first start, unless SCLS_PAYLOAD_KEYS is set), Temporal's
dev server (its Web UI decoding payloads at the console's codec endpoint) and the
schedules (the weekly digest), the SMTP sink (unless SCLS_SMTP_HOST names a real mail
server), then the worker and the web console in this process. Stop is the reverse, and
also happens when any step of the start fails, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from scls.logging import get_logger
from scls.settings import Settings
from scls.stack.errors import StackError
from scls.stack.lock import DevLock
from scls.stack.pids import ChildRecord
from scls.stack.ports import require_free_ports
from scls.stack.postgres_embedded import EmbeddedPostgres
from scls.stack.smtp_sink import SmtpSink
from scls.stack.temporal_dev import TemporalDevServer
from scls.web.codec import CODEC_PATH, TOKEN_FILE

log = get_logger(__name__)

# (settings, stop event, database url) -> runs until stop is set; tests pass a stand-in.
WorkerRunner = Callable[[Settings, asyncio.Event, str], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class StackAddresses:
    temporal_address: str
    web_ui: str
    database_url: str
    psql: str | None
    data_dir: Path
    task_queue: str
    namespace: str
    mail: str
    web: str
    codec: str
    payload_keys: str


def _panel(addresses: StackAddresses) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("Temporal gRPC", addresses.temporal_address)
    table.add_row("Namespace", addresses.namespace)
    table.add_row("Web UI", addresses.web_ui)
    table.add_row("Postgres", addresses.database_url)
    if addresses.psql:
        table.add_row("psql", addresses.psql)
    table.add_row("Web console", addresses.web)
    table.add_row("Codec endpoint", addresses.codec)
    table.add_row("Payload keys", addresses.payload_keys)
    table.add_row("Mail", addresses.mail)
    table.add_row("Data folder", str(addresses.data_dir))
    table.add_row("Task queue", addresses.task_queue)
    return Panel(table, title="scls dev is running", subtitle="Ctrl-C to stop", expand=False)


# Mail to these hosts goes to the sink `scls dev` runs; any other is a real mail server.
LOCAL_SMTP_HOSTS = ("127.0.0.1", "localhost")


def runs_smtp_sink(settings: Settings) -> bool:
    return settings.smtp_host in LOCAL_SMTP_HOSTS


def _required_ports(settings: Settings) -> dict[str, int]:
    ports = {
        "SCLS_DEV_TEMPORAL_PORT": settings.dev_temporal_port,
        "SCLS_DEV_TEMPORAL_UI_PORT": settings.dev_temporal_ui_port,
        "SCLS_WEB_PORT": settings.web_port,
    }
    if settings.database_url is None:
        ports["SCLS_DEV_POSTGRES_PORT"] = settings.dev_postgres_port
    if runs_smtp_sink(settings):
        ports["SCLS_SMTP_PORT"] = settings.smtp_port
    values = list(ports.values())
    for setting, port in ports.items():
        if values.count(port) > 1:
            raise StackError(f"port {port} ({setting}) is given to two parts of the stack")
    return ports


async def _migrate(database_url: str) -> list[str]:
    from store.migrate import migrate

    return await migrate(database_url)


def _payload_keys(settings: Settings, console: Console) -> str:
    """The payload keys the stack encrypts with: SCLS_PAYLOAD_KEYS, or the key file, made
    on the first start (readable by its owner only)."""
    from scls.payload_keys import ensure_keyring_file, keyring_file

    if settings.payload_keys is not None:
        return "SCLS_PAYLOAD_KEYS"
    path = keyring_file(settings)
    keyring, made = ensure_keyring_file(path)
    if made:
        console.print(f"made the payload keys in {path} (keep it: histories need it to be read)")
    return f"{path} (current key {keyring.current})"


async def _run_worker(settings: Settings, stop: asyncio.Event, database_url: str) -> None:
    from worker import run_worker

    await run_worker(settings, stop=stop, database_url=database_url)


async def run_dev(
    settings: Settings,
    *,
    console: Console | None = None,
    stop: asyncio.Event | None = None,
    worker: WorkerRunner = _run_worker,
) -> None:
    """Start the stack, run until `stop` is set (SIGINT/SIGTERM), then stop it in reverse."""
    console = console or Console()
    stop = stop or asyncio.Event()
    data_dir = settings.data_dir.expanduser().resolve()

    with DevLock(data_dir):
        record = ChildRecord(data_dir)
        leftovers = await asyncio.to_thread(record.stop_leftovers)
        if leftovers:
            console.print(f"stopped leftovers of a previous run: {', '.join(leftovers)}")
        require_free_ports(_required_ports(settings))

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        # Undo steps, newest first; run on the way out whether startup finished or not.
        undo: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        try:
            await _start_and_serve(settings, data_dir, console, stop, record, undo, worker)
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            for name, step in reversed(undo):
                console.print(f"stopping {name}…")
                try:
                    await step()
                except Exception as error:  # keep stopping the other parts
                    console.print(f"[red]could not stop {name}: {error}[/red]")
            record.clear()
            if undo:
                console.print("scls dev stopped")


async def _start_and_serve(
    settings: Settings,
    data_dir: Path,
    console: Console,
    stop: asyncio.Event,
    record: ChildRecord,
    undo: list[tuple[str, Callable[[], Awaitable[None]]]],
    worker: WorkerRunner,
) -> None:
    postgres: EmbeddedPostgres | None = None
    if settings.database_url is None:
        postgres = pg = EmbeddedPostgres(data_dir, port=settings.dev_postgres_port)
        console.print(f"starting Postgres on 127.0.0.1:{pg.port}…")

        async def stop_postgres() -> None:
            await asyncio.to_thread(pg.stop)

        undo.append(("Postgres", stop_postgres))
        await asyncio.to_thread(pg.start)
        if postgres.pid is not None:
            record.add("postgres", postgres.pid)
        owner_url = postgres.dsn
    else:
        owner_url = settings.database_owner_url or settings.database_url

    applied = await _migrate(owner_url)
    console.print(f"migrations applied: {', '.join(applied)}" if applied else "schema up to date")
    # The engine connects as the application role: it may append events, never change them.
    if postgres is not None:
        await asyncio.to_thread(postgres.ensure_app_login)
        database_url = postgres.app_dsn
    else:
        assert settings.database_url is not None
        database_url = settings.database_url

    payload_keys = _payload_keys(settings, console)

    from scls.serving import web_url
    from scls.web.server import serve_web

    codec_endpoint = f"{web_url(settings).rstrip('/')}{CODEC_PATH}"
    temporal = TemporalDevServer(
        data_dir,
        port=settings.dev_temporal_port,
        ui_port=settings.dev_temporal_ui_port,
        namespace=settings.temporal_namespace,
        codec_endpoint=codec_endpoint,
    )
    console.print(f"starting Temporal dev server on {temporal.address}…")

    async def stop_temporal() -> None:
        await asyncio.to_thread(temporal.stop)

    undo.append(("Temporal dev server", stop_temporal))
    await temporal.start()
    if temporal.pid is not None:
        record.add("temporal", temporal.pid)

    from scls.schedules import apply_schedules
    from scls.temporal import connect

    client = await connect(settings, address=temporal.address)
    schedules = await apply_schedules(client, settings.temporal_task_queue)
    console.print("schedules: " + ", ".join(f"{s} {a.value}" for s, a in schedules.items()))

    # The Web UI calls the codec endpoint from the browser: its origins are let in.
    ui_origins = [temporal.ui_url, f"http://localhost:{settings.dev_temporal_ui_port}"]
    worker_update: dict[str, object] = {
        "temporal_address": temporal.address,
        "database_url": database_url,
        "codec_origins": ",".join(filter(None, [settings.codec_origins, *ui_origins])),
    }
    if runs_smtp_sink(settings):
        sink = SmtpSink(data_dir, port=settings.smtp_port)
        console.print(f"starting the SMTP sink on {sink.url}…")

        async def stop_sink() -> None:
            await asyncio.to_thread(sink.stop)

        undo.append(("SMTP sink", stop_sink))
        await asyncio.to_thread(sink.start)
        worker_update["smtp_host"] = sink.host
        mail = f"{sink.url}, kept in {sink.new_mail}"
    else:
        mail = f"smtp://{settings.smtp_host}:{settings.smtp_port} (SCLS_SMTP_HOST, not kept here)"

    # The worker talks to the embedded parts, whatever the configured addresses say.
    worker_settings = settings.model_copy(update=worker_update)
    worker_stop = asyncio.Event()
    worker_task = asyncio.create_task(worker(worker_settings, worker_stop, database_url))

    async def stop_worker() -> None:
        if worker_task.done():
            return  # it already stopped, and the reason was reported
        worker_stop.set()
        await worker_task

    undo.append(("worker", stop_worker))

    web_stop, web_started = asyncio.Event(), asyncio.Event()
    web_task = asyncio.create_task(
        serve_web(worker_settings, database_url, web_stop, started=web_started)
    )

    async def stop_web() -> None:
        web_stop.set()
        await web_task

    undo.append(("web console", stop_web))
    # The addresses are printed once the console listens: whoever reads them can open it.
    listening = asyncio.create_task(web_started.wait())
    await asyncio.wait({listening, web_task}, return_when=asyncio.FIRST_COMPLETED)
    listening.cancel()

    token_where = (
        "SCLS_CODEC_TOKEN" if settings.codec_token is not None else str(data_dir / TOKEN_FILE)
    )
    console.print(
        _panel(
            StackAddresses(
                temporal_address=temporal.address,
                web_ui=temporal.ui_url,
                database_url=database_url,
                psql=postgres.psql_command if postgres is not None else None,
                data_dir=data_dir,
                task_queue=settings.temporal_task_queue,
                namespace=settings.temporal_namespace,
                mail=mail,
                web=web_url(settings),
                codec=f"{codec_endpoint} (ops signed in to the console, or the bearer "
                f"token in {token_where})",
                payload_keys=payload_keys,
            )
        )
    )

    stop_wait = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait(
        {stop_wait, worker_task, web_task}, return_when=asyncio.FIRST_COMPLETED
    )
    if web_task in done:
        stop_wait.cancel()
        error = web_task.exception()
        raise StackError(f"the web console stopped: {error or 'on its own'}") from error
    if worker_task in done:
        stop_wait.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stop_wait
        error = worker_task.exception()
        if error is not None:
            raise StackError(f"the worker stopped: {error}") from error
        raise StackError("the worker stopped on its own")
    console.print(
        "stop requested (Ctrl-C or SIGTERM): stopping the web console, the worker, the mail "
        "sink, Temporal, Postgres"
    )
