"""`<data_dir>/dev.pids`: the processes `scls dev` started, so the next run can clean up a crash.

A pid alone is not enough (pids are reused), so each entry keeps the command line; a
leftover is stopped only if a live process has that pid *and* that command line.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import psutil

from scls.logging import get_logger

PIDS_FILE = "dev.pids"

log = get_logger(__name__)


class ChildRecord:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / PIDS_FILE

    def read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def add(self, name: str, pid: int) -> None:
        entries = self.read()
        try:
            cmdline = psutil.Process(pid).cmdline()
        except psutil.Error:
            cmdline = []
        entries[name] = {"pid": pid, "cmdline": cmdline}
        self._write(entries)

    def remove(self, name: str) -> None:
        entries = self.read()
        if entries.pop(name, None) is not None:
            self._write(entries)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, entries: dict[str, dict[str, object]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=2))
        os.replace(tmp, self.path)

    def stop_leftovers(self, grace: float = 10.0) -> list[str]:
        """Stop recorded processes still running with the recorded command line."""
        stopped = []
        for name, entry in self.read().items():
            pid, cmdline = entry.get("pid"), entry.get("cmdline")
            if not isinstance(pid, int) or not isinstance(cmdline, list) or not cmdline:
                continue
            try:
                process = psutil.Process(pid)
                if process.cmdline() != cmdline:
                    continue
                log.warning("stopping leftover from a previous run", part=name, pid=pid)
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(grace)
                except psutil.TimeoutExpired:
                    process.kill()
                    process.wait(5)
            except psutil.NoSuchProcess:
                continue
            stopped.append(name)
        self.clear()
        return stopped
