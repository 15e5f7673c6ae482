"""A read model that keeps, per stream, the state the domain folds from its events.

The row holds the whole state as JSON beside the columns people filter on, so the state
a workflow answers to a query and the one stored here can be compared field for field.
Participant progress and cohort summaries are both of this shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import asyncpg

from contracts.event_log import StoredEvent
from domain.ids import key_of
from store.pool import Connection


class _VersionedState(Protocol):
    @property
    def version(self) -> int: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


State = TypeVar("State", bound=_VersionedState)


class FoldedStateProjector(Generic[State]):
    def __init__(
        self,
        *,
        table: str,
        key_column: str,
        stream_prefix: str,
        load: Callable[[Any], State],
        initial: Callable[[str], State],
        evolve: Callable[[State, Mapping[str, Any]], State],
        columns: Callable[[State], dict[str, Any]],
    ) -> None:
        self.name = table
        self.tables: tuple[str, ...] = (table,)
        self._key = key_column
        self._prefix = stream_prefix
        self._load = load
        self._initial = initial
        self._evolve = evolve
        self._columns = columns

    def wants(self, stream: str) -> bool:
        return stream.startswith(self._prefix)

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None:
        key = key_of(stream, self._prefix)
        stored = await connection.fetchval(
            f"SELECT state FROM {self.name} WHERE {self._key} = $1 FOR UPDATE", key
        )
        state = self._load(stored) if stored is not None else self._initial(key)
        for event in events:
            state = self._evolve(state, event.data)
        row = {
            self._key: key,
            **self._columns(state),
            "version": state.version,
            "state": state.model_dump(mode="json"),
            "updated_at": events[-1].recorded_at,
        }
        names = list(row)
        placeholders = ", ".join(f"${n}" for n in range(1, len(names) + 1))
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names[1:])
        await connection.execute(
            f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({self._key}) DO UPDATE SET {updates}",
            *row.values(),
        )

    async def clear(self, connection: Connection, stream: str) -> None:
        await connection.execute(
            f"DELETE FROM {self.name} WHERE {self._key} = $1", key_of(stream, self._prefix)
        )

    async def load(self, connection: asyncpg.Pool | Connection, key: str) -> State | None:
        stored = await connection.fetchval(
            f"SELECT state FROM {self.name} WHERE {self._key} = $1", key
        )
        return None if stored is None else self._load(stored)
