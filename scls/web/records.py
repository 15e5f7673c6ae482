"""A participant's record as the pages read it: their state from the progress read model
and their events in plain words.

Someone the access rules do not let see a participant gets the same 404, word for word,
as for a participant who does not exist: the answer must not tell which ids are real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from fastapi import HTTPException

from domain.access import Viewer, may_view_participant
from domain.ids import participant_workflow_id
from domain.participant.events import parse_participant_event
from domain.participant.state import ParticipantState
from scls.web.event_text import describe, people_named
from store.directory import display_names
from store.participant_progress import PARTICIPANT_PROGRESS
from store.personal_data import opened_data, subject_keys, subjects_of
from store.pool import Connection


async def visible_participant(
    pool: asyncpg.Pool | Connection, viewer: Viewer, participant_id: str, now: datetime
) -> ParticipantState:
    state = await PARTICIPANT_PROGRESS.load(pool, participant_id)
    if state is None or not may_view_participant(viewer, state, now):
        raise HTTPException(
            404,
            f"There is no participant {participant_id} that you may see: you see those "
            "you support or hold a task of.",
        )
    return state


@dataclass(frozen=True)
class EventLine:
    version: int
    at: datetime
    text: str


async def event_lines(
    pool: asyncpg.Pool | Connection, participant_id: str, *, last: int | None = None
) -> list[EventLine]:
    """The participant's events, newest first (the `last` few, or all)."""
    stream = participant_workflow_id(participant_id)
    rows = await pool.fetch(
        "SELECT version, type, data FROM events WHERE stream = $1 ORDER BY version DESC LIMIT $2",
        stream,
        last,
    )
    keys = await subject_keys(pool, subjects_of([stream]))
    events = [
        (
            row["version"],
            parse_participant_event(opened_data(keys, stream, row["type"], row["data"])),
        )
        for row in rows
    ]
    names = await display_names(pool, people_named(event for _, event in events))
    return [EventLine(version, event.at, describe(event, names)) for version, event in events]
