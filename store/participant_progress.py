"""Read model: participant progress, folded from each participant's stream by the domain's evolve.

The row keeps the whole state (as JSON) beside the columns ops filter on, so the state a
workflow answers to a query and the one stored here can be compared field for field.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.events import parse_participant_event
from domain.participant import ParticipantState, evolve, initial_state
from store.envelope import StoredEvent
from store.pool import Connection

STREAM_PREFIX = "participant-"


class ParticipantProgressProjector:
    name = "participant_progress"
    tables: tuple[str, ...] = ("participant_progress",)

    def wants(self, stream: str) -> bool:
        return stream.startswith(STREAM_PREFIX)

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None:
        participant_id = stream.removeprefix(STREAM_PREFIX)
        stored = await connection.fetchval(
            "SELECT state FROM participant_progress WHERE participant_id = $1 FOR UPDATE",
            participant_id,
        )
        state = (
            ParticipantState.model_validate(stored)
            if stored is not None
            else initial_state(participant_id)
        )
        for event in events:
            state = evolve(state, parse_participant_event(event.data))
        await connection.execute(
            """
            INSERT INTO participant_progress (participant_id, cohort_id, phase, status, rag,
                next_due, expected_end, version, state, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (participant_id) DO UPDATE SET
                cohort_id = EXCLUDED.cohort_id, phase = EXCLUDED.phase,
                status = EXCLUDED.status, rag = EXCLUDED.rag, next_due = EXCLUDED.next_due,
                expected_end = EXCLUDED.expected_end, version = EXCLUDED.version,
                state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
            """,
            participant_id,
            state.cohort_id,
            state.phase.value if state.phase else None,
            state.status.value if state.status else "not_enrolled",
            state.rag.value,
            state.next_due,
            state.expected_end,
            state.version,
            state.model_dump(mode="json"),
            events[-1].recorded_at,
        )


async def load_participant(
    connection: asyncpg.Pool | Connection, participant_id: str
) -> ParticipantState | None:
    stored = await connection.fetchval(
        "SELECT state FROM participant_progress WHERE participant_id = $1", participant_id
    )
    return None if stored is None else ParticipantState.model_validate(stored)
