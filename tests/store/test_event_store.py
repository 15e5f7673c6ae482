"""The event store against a real Postgres: idempotent appends, conflicts, order, races."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from contracts.event_log import EventMetadata, NewEvent
from store.events import StreamConflict, append, read_stream
from store.projections import Projections

pytestmark = pytest.mark.postgres

NO_PROJECTIONS = Projections()


async def version_of(pool: asyncpg.Pool, stream: str) -> int:
    """The stream's version: its last event's, 0 when it has none."""
    stored = await read_stream(pool, stream)
    return stored[-1].version if stored else 0


def event(kind: str, **data: object) -> NewEvent:
    return NewEvent(
        event_id=uuid.uuid4(),
        type=kind,
        data=dict(data),
        metadata=EventMetadata(actor="system", workflow_id="participant-P1", run_id="run-1"),
    )


async def test_append_then_read_gives_the_events_in_version_order(pool: asyncpg.Pool) -> None:
    first = [event("A", n=1), event("B", n=2)]
    second = [event("C", n=3)]
    assert (await append(pool, NO_PROJECTIONS, "participant-P1", 0, first)).version == 2
    assert (await append(pool, NO_PROJECTIONS, "participant-P1", 2, second)).version == 3

    stored = await read_stream(pool, "participant-P1")
    assert [(e.version, e.type, e.data) for e in stored] == [
        (1, "A", {"n": 1}),
        (2, "B", {"n": 2}),
        (3, "C", {"n": 3}),
    ]
    assert [e.event_id for e in stored] == [e.event_id for e in first + second]
    assert stored[0].metadata.workflow_id == "participant-P1"
    positions = [e.position for e in stored]
    assert positions == sorted(positions)


async def test_the_same_batch_again_is_a_no_op(pool: asyncpg.Pool) -> None:
    batch = [event("A"), event("B")]
    assert (await append(pool, NO_PROJECTIONS, "s", 0, batch)).appended is True

    retried = await append(pool, NO_PROJECTIONS, "s", 0, batch)

    assert retried.appended is False
    assert retried.version == 2
    assert len(await read_stream(pool, "s")) == 2


async def test_a_different_event_at_a_taken_version_is_a_conflict(pool: asyncpg.Pool) -> None:
    await append(pool, NO_PROJECTIONS, "s", 0, [event("A")])

    with pytest.raises(StreamConflict, match="version 1 is already taken"):
        await append(pool, NO_PROJECTIONS, "s", 0, [event("B")])

    assert [e.type for e in await read_stream(pool, "s")] == ["A"]


async def test_an_append_past_the_end_of_the_stream_is_a_conflict(pool: asyncpg.Pool) -> None:
    await append(pool, NO_PROJECTIONS, "s", 0, [event("A")])

    with pytest.raises(StreamConflict, match="the stream is at version 1"):
        await append(pool, NO_PROJECTIONS, "s", 5, [event("B")])

    assert await version_of(pool, "s") == 1


async def test_streams_are_independent(pool: asyncpg.Pool) -> None:
    await append(pool, NO_PROJECTIONS, "participant-P1", 0, [event("A")])
    await append(pool, NO_PROJECTIONS, "participant-P2", 0, [event("A"), event("B")])

    assert await version_of(pool, "participant-P1") == 1
    assert await version_of(pool, "participant-P2") == 2


async def test_an_event_id_reused_in_another_stream_is_a_conflict(pool: asyncpg.Pool) -> None:
    reused = event("A")
    await append(pool, NO_PROJECTIONS, "participant-P1", 0, [reused])

    with pytest.raises(StreamConflict, match="already recorded"):
        await append(pool, NO_PROJECTIONS, "participant-P2", 0, [reused])

    assert await version_of(pool, "participant-P2") == 0


async def test_events_cannot_be_changed_or_deleted(pool: asyncpg.Pool) -> None:
    await append(pool, NO_PROJECTIONS, "s", 0, [event("A")])

    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE events SET type = 'B'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("DELETE FROM events")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("TRUNCATE events")


async def test_two_writers_racing_for_one_version_one_wins_the_other_is_refused(
    pool: asyncpg.Pool,
) -> None:
    await append(pool, NO_PROJECTIONS, "s", 0, [event("start")])
    rounds = 20
    for round_number in range(rounds):
        expected = 1 + round_number
        left, right = event("left"), event("right")
        results = await asyncio.gather(
            append(pool, NO_PROJECTIONS, "s", expected, [left]),
            append(pool, NO_PROJECTIONS, "s", expected, [right]),
            return_exceptions=True,
        )
        conflicts = [r for r in results if isinstance(r, StreamConflict)]
        wins = [r for r in results if not isinstance(r, BaseException)]
        assert len(conflicts) == 1 and len(wins) == 1, results

    stored = await read_stream(pool, "s")
    # Every round wrote exactly one event: none lost, none twice.
    assert [e.version for e in stored] == list(range(1, rounds + 2))
    assert len({e.event_id for e in stored}) == rounds + 1
