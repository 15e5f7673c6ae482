"""The event store: append a batch to a stream at an expected version, read a stream back.

Personal content is sealed with its subject's key as it is appended and opened as it is
read (store/personal_data.py).

Appends are idempotent: the same events at the same versions again are a no-op, so a
retried activity never writes twice. A different event at a taken version is a
`StreamConflict`. Projections are updated in the append's own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.event_log import AppendResult, NewEvent, StoredEvent
from store.personal_data import opened, sealed_data
from store.pool import Connection
from store.projections import Projections


class StreamConflict(Exception):
    """Another event already holds a version this append expected to write."""

    def __init__(self, stream: str, expected_version: int, detail: str) -> None:
        super().__init__(
            f"stream {stream}: cannot append after version {expected_version}: {detail}"
        )
        self.stream = stream
        self.expected_version = expected_version


_SELECT_COLUMNS = "stream, version, event_id, type, data, metadata, recorded_at, position"


def _stored(row: asyncpg.Record) -> StoredEvent:
    return StoredEvent.model_validate(dict(row))


async def _existing_from(
    connection: Connection, stream: str, after_version: int, limit: int
) -> list[asyncpg.Record]:
    return await connection.fetch(
        "SELECT version, event_id FROM events WHERE stream = $1 AND version > $2 "
        "ORDER BY version LIMIT $3",
        stream,
        after_version,
        limit,
    )


def _judge_existing(
    stream: str,
    expected_version: int,
    events: Sequence[NewEvent],
    existing: Sequence[asyncpg.Record],
) -> AppendResult:
    """Events already stand after expected_version: a retry of ours, or a conflict."""
    ours = [event.event_id for event in events]
    theirs = [row["event_id"] for row in existing]
    if theirs == ours:
        return AppendResult(version=expected_version + len(events), appended=False)
    raise StreamConflict(
        stream,
        expected_version,
        f"version {expected_version + 1} is already taken by event {theirs[0]}",
    )


# The events go in only while the stream is at the version the writer saw: one statement
# both checks and inserts, so a batch costs one round trip. No row back means the stream
# had moved on (a retry of ours, or a conflict), which the slow path below tells apart.
_INSERT_AT_EXPECTED_VERSION = f"""
    WITH head AS (SELECT coalesce(max(version), 0) AS version FROM events WHERE stream = $1)
    INSERT INTO events (stream, version, event_id, type, data, metadata)
    SELECT $1, $2 + n, e.event_id, e.type, e.data, e.metadata
    FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])
         WITH ORDINALITY AS e(event_id, type, data, metadata, n), head
    WHERE head.version = $2
    ORDER BY n
    RETURNING {_SELECT_COLUMNS}
"""


async def _already_there(
    connection: Connection, stream: str, expected_version: int, events: Sequence[NewEvent]
) -> AppendResult:
    """The insert found the stream past expected_version, or lost a race for it."""
    existing = await _existing_from(connection, stream, expected_version, len(events))
    if existing:
        return _judge_existing(stream, expected_version, events, existing)
    current = await connection.fetchval(
        "SELECT coalesce(max(version), 0) FROM events WHERE stream = $1", stream
    )
    if current != expected_version:
        raise StreamConflict(stream, expected_version, f"the stream is at version {current}")
    raise StreamConflict(stream, expected_version, "an event id in the batch is already recorded")


async def append(
    pool: asyncpg.Pool,
    projections: Projections,
    stream: str,
    expected_version: int,
    events: Sequence[NewEvent],
) -> AppendResult:
    """Append events at versions expected_version+1.. and update projections, atomically."""
    async with pool.acquire() as connection:
        return await append_on(connection, projections, stream, expected_version, events)


async def append_on(
    connection: Connection,
    projections: Projections,
    stream: str,
    expected_version: int,
    events: Sequence[NewEvent],
) -> AppendResult:
    """`append` on the caller's connection, inside the caller's transaction if it has one."""
    if not events:
        return AppendResult(version=expected_version, appended=False)
    try:
        async with connection.transaction():
            stored_data, read_data = await sealed_data(connection, stream, events)
            rows = await connection.fetch(
                _INSERT_AT_EXPECTED_VERSION,
                stream,
                expected_version,
                [event.event_id for event in events],
                [event.type for event in events],
                stored_data,
                [event.metadata.model_dump(mode="json") for event in events],
            )
            if rows:
                stored = [
                    row.model_copy(update={"data": data})  # as it reads back, unsealed
                    for row, data in zip(
                        sorted((_stored(row) for row in rows), key=lambda e: e.version),
                        read_data,
                        strict=True,
                    )
                ]
                await projections.apply(connection, stream, stored)
                return AppendResult(version=expected_version + len(events), appended=True)
    except asyncpg.UniqueViolationError:
        pass  # a concurrent writer took these versions (or these event ids) first
    return await _already_there(connection, stream, expected_version, events)


async def read_stream(
    connection: asyncpg.Pool | Connection, stream: str, *, after_version: int = 0
) -> list[StoredEvent]:
    rows = await connection.fetch(
        f"SELECT {_SELECT_COLUMNS} FROM events WHERE stream = $1 AND version > $2 ORDER BY version",
        stream,
        after_version,
    )
    return await opened(connection, [_stored(row) for row in rows])
