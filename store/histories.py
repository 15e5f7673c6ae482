"""Every participant's stream at once, for what reads the whole record (the forecast's
backtest folds each again as of a past instant)."""

from __future__ import annotations

from itertools import groupby

import asyncpg

from contracts.event_log import StoredEvent
from domain.ids import PARTICIPANT_PREFIX, key_of
from store.pool import Connection


async def participant_streams(pool: asyncpg.Pool | Connection) -> dict[str, list[StoredEvent]]:
    """Each participant's events in order, by participant id."""
    rows = await pool.fetch(
        "SELECT stream, version, event_id, type, data, metadata, recorded_at, position "
        "FROM events WHERE starts_with(stream, $1) ORDER BY stream, version",
        PARTICIPANT_PREFIX,
    )
    events = [StoredEvent.model_validate(dict(row)) for row in rows]
    return {
        key_of(stream, PARTICIPANT_PREFIX): list(group)
        for stream, group in groupby(events, key=lambda e: e.stream)
    }
