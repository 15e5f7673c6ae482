"""The asyncpg connection pool: one per process, with JSON columns decoded to Python values."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

# A connection of its own or one borrowed from the pool: queries work the same on both.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


async def init_connection(connection: asyncpg.Connection) -> None:
    """JSON columns as Python values: on every pooled connection, and on one of its own."""
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def open_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open the process's pool; the caller closes it at shutdown."""
    pool: asyncpg.Pool[Any] | None = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init_connection
    )
    assert pool is not None  # create_pool only returns None when awaited lazily
    return pool
