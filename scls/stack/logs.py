"""Showing the end of a server's log file when it fails to start."""

from __future__ import annotations

from pathlib import Path


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    except PermissionError:
        return f"(cannot read {path})"
    return "\n".join(text.splitlines()[-lines:])
