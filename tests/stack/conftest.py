"""Fixtures of the stack tests: each part runs from its own temporary data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scls.stack.ports import free_port
from scls.stack.postgres_embedded import EmbeddedPostgres


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def embedded_postgres(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    """A not-yet-started Postgres on a free port; stopped after the test whatever happens."""
    server = EmbeddedPostgres(data_dir, port=free_port())
    try:
        yield server
    finally:
        server.stop()
