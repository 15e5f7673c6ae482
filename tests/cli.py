"""Running the real `scls` command line in a subprocess, as a person at a terminal would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from scls.stack.ports import free_port

__all__ = ["free_port", "run_cli", "run_cli_async", "stack_env"]


def stack_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for a CLI run: no SCLS_ variable from outside, free dev ports."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCLS_")}
    env.update(
        SCLS_DATA_DIR=str(data_dir),
        SCLS_DEV_TEMPORAL_PORT=str(free_port()),
        SCLS_DEV_TEMPORAL_UI_PORT=str(free_port()),
        SCLS_DEV_POSTGRES_PORT=str(free_port()),
        SCLS_SMTP_PORT=str(free_port()),
        SCLS_WEB_PORT=str(free_port()),
        SCLS_LOG_FORMAT="json",
    )
    env.update(extra)
    return env


def run_cli(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    timeout: float = 60,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scls.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def run_cli_async(
    *args: str, env: dict[str, str], cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`run_cli` from a test that also awaits servers: the event loop keeps running."""
    return await asyncio.to_thread(run_cli, *args, env=env, cwd=cwd, stdin=stdin)
