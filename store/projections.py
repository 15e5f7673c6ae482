"""Projections: read models kept in the append's transaction, and rebuilt from the events.

A `Projector` looks after the tables of one read model. `Projections` sends each batch of
new events to every projector interested in its stream, and rebuilds all of them by
replaying the whole log in order, or what they keep of a few streams by replaying those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import asyncpg

from store.personal_data import opened
from store.pool import Connection

if TYPE_CHECKING:
    from contracts.event_log import StoredEvent


_EVENT_COLUMNS = "stream, version, event_id, type, data, metadata, recorded_at, position"


class Projector(Protocol):
    name: str
    tables: tuple[str, ...]

    def wants(self, stream: str) -> bool: ...

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None: ...

    async def clear(self, connection: Connection, stream: str) -> None:
        """Delete what this read model keeps from `stream`, before the stream is replayed."""


class Projections:
    def __init__(self, projectors: Sequence[Projector] = ()) -> None:
        self.projectors = tuple(projectors)

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None:
        for projector in self.projectors:
            if projector.wants(stream):
                await projector.apply(connection, stream, events)

    async def rebuild_streams(self, connection: Connection, streams: Sequence[str]) -> int:
        """Rebuild what every read model keeps from `streams` alone (after an erasure),
        replaying each stream from its first event; return the events replayed."""
        from contracts.event_log import StoredEvent

        replayed = 0
        async with connection.transaction():
            for stream in streams:
                wanting = [p for p in self.projectors if p.wants(stream)]
                for projector in wanting:
                    await projector.clear(connection, stream)
                rows = await connection.fetch(
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE stream = $1 ORDER BY version",
                    stream,
                )
                events = await opened(
                    connection, [StoredEvent.model_validate(dict(row)) for row in rows]
                )
                if events:
                    for projector in wanting:
                        await projector.apply(connection, stream, events)
                replayed += len(events)
        return replayed

    async def rebuild(self, pool: asyncpg.Pool, *, batch_size: int = 2000) -> int:
        """Empty every read model and replay all events into it; return the events replayed.

        One transaction: readers see the old read models until the new ones are complete.
        """
        async with pool.acquire() as connection:
            return await self.rebuild_on(connection, batch_size=batch_size)

    async def rebuild_on(self, connection: Connection, *, batch_size: int = 2000) -> int:
        """`rebuild` on the caller's connection, which decodes JSON as the pool's do."""
        from contracts.event_log import StoredEvent

        replayed = 0
        async with connection.transaction():
            tables = [table for projector in self.projectors for table in projector.tables]
            if tables:
                await connection.execute(f"TRUNCATE {', '.join(tables)}")
            last_position = 0
            while True:
                rows = await connection.fetch(
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE position > $1 "
                    "ORDER BY position LIMIT $2",
                    last_position,
                    batch_size,
                )
                if not rows:
                    break
                events = await opened(
                    connection, [StoredEvent.model_validate(dict(row)) for row in rows]
                )
                # Consecutive events of one stream go together, as they were appended.
                start = 0
                for index in range(1, len(events) + 1):
                    if index == len(events) or events[index].stream != events[start].stream:
                        await self.apply(connection, events[start].stream, events[start:index])
                        start = index
                last_position = events[-1].position
                replayed += len(events)
        return replayed
