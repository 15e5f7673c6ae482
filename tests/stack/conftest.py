"""Fixtures of the stack tests: each part runs from its own temporary data folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scls.stack.ports import free_port
from scls.stack.postgres_embedded import EmbeddedPostgres


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Not under pytest's basetemp: run as root, Postgres runs as a system user of its
    own that must traverse the folders above its data, and every pytest session on the
    machine makes /tmp/pytest-of-root private again (mode 0700) when it starts, which
    once cut an initdb off from its own folder halfway."""
    with tempfile.TemporaryDirectory(prefix="scls-test-stack-") as folder:
        data = Path(folder) / "data"
        data.mkdir()
        yield data


@pytest.fixture
def embedded_postgres(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    """A not-yet-started Postgres on a free port; stopped after the test whatever happens."""
    server = EmbeddedPostgres(data_dir, port=free_port())
    try:
        yield server
    finally:
        server.stop()
