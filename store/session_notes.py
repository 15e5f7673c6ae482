"""The notes of coaching and mentoring sessions, read from the one place they are kept:
the SupportSessionRecorded events of the participant's stream. No read model copies them,
so whoever reads them here has passed the access rule for them first
(domain.access.may_read_session_notes). They are sealed with the participant's key."""

from __future__ import annotations

import asyncpg

from domain.ids import participant_workflow_id
from store.personal_data import opened_data, subject_keys, subjects_of
from store.pool import Connection


async def session_notes(
    pool: asyncpg.Pool | Connection, participant_id: str, numbers: list[int]
) -> dict[int, str]:
    """The notes of the participant's sessions `numbers`, of those that have notes."""
    stream = participant_workflow_id(participant_id)
    rows = await pool.fetch(
        "SELECT data FROM events WHERE stream = $1 AND type = 'SupportSessionRecorded' "
        "AND (data->>'session_number')::int = ANY($2::int[]) AND data->>'notes' IS NOT NULL",
        stream,
        numbers,
    )
    keys = await subject_keys(pool, subjects_of([stream]))
    return {
        data["session_number"]: data["notes"]
        for data in (
            opened_data(keys, stream, "SupportSessionRecorded", row["data"]) for row in rows
        )
    }
