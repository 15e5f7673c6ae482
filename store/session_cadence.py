"""Read model: each participant's coaching and mentoring against the programme's cadence,
one row per kind of session expected of them now: for the ops dashboard's list of
participants with a session missed (no session for twice the cadence), and for
`scls sessions list --cohort`.

The rows are what domain.participant.support_sessions.session_cadence says of the state
PARTICIPANT_PROGRESS has just written in the same transaction (this projector comes after
it). When a session counts as missed depends on the clock, so it is compared when read, by
the rule store/rules_in_sql.py states, as the inbox does with due dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from contracts.event_log import StoredEvent
from domain.ids import PARTICIPANT_PREFIX, key_of
from domain.participant.state import ParticipantState
from domain.participant.support_sessions import session_cadence
from store import rules_in_sql as rule
from store.folded_state import FoldedStateProjector
from store.inbox import ProjectionOrderError
from store.pool import Connection

# Events that never change when sessions are expected, skipped so the state is not read
# again for them (reminders and task answers are most of a stream). A list of what to
# skip, not of what to handle, so an event type added later is projected until someone
# decides it need not be; tests/store/test_session_cadence.py holds the list to account.
LEAVES_CADENCE_ALONE = frozenset(
    {
        "TaskOpened",
        "TaskDecided",
        "DecisionRefused",
        "TaskReassigned",
        "TaskReminderDue",
        "TaskEscalated",
        "TaskCancelled",
        "DelegationGranted",
        "DelegationEnded",
        "RagChanged",
        "OutplacementStarted",
        "OutplacementEnded",
        "TimesheetRecorded",
    }
)


class SessionCadenceProjector:
    """Keeps session_cadence from the state the progress projector wrote."""

    def __init__(self, progress: FoldedStateProjector[ParticipantState]) -> None:
        self.name = "session_cadence"
        self.tables: tuple[str, ...] = ("session_cadence",)
        self._progress = progress

    def wants(self, stream: str) -> bool:
        return stream.startswith(PARTICIPANT_PREFIX)

    async def clear(self, connection: Connection, stream: str) -> None:
        await connection.execute(
            "DELETE FROM session_cadence WHERE participant_id = $1",
            key_of(stream, PARTICIPANT_PREFIX),
        )

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None:
        if all(event.type in LEAVES_CADENCE_ALONE for event in events):
            return
        participant_id = key_of(stream, PARTICIPANT_PREFIX)
        state = await self._progress.load(connection, participant_id)
        if state is None or state.version != events[-1].version:
            raise ProjectionOrderError(
                f"participant progress of {participant_id} is not at version "
                f"{events[-1].version}: the session cadence projector must come after "
                "PARTICIPANT_PROGRESS"
            )
        await self.clear(connection, stream)
        await connection.executemany(
            "INSERT INTO session_cadence (participant_id, kind, cohort_id, held_by, sessions, "
            "last_held_on, due_by, missed_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (
                    participant_id,
                    status.kind.value,
                    state.cohort_id,
                    status.held_by,
                    status.sessions,
                    status.last_held_on,
                    status.due_by,
                    status.missed_from,
                )
                for status in session_cadence(state)
            ],
        )


@dataclass(frozen=True)
class CadenceRow:
    """One kind of session expected of a participant, as the read model holds it, and
    whether it is missed now (no session for twice the cadence)."""

    participant_id: str
    name: str
    cohort_id: str | None
    kind: str
    held_by: str
    held_by_name: str
    sessions: int
    last_held_on: date | None
    due_by: datetime
    missed_from: datetime
    missed: bool


async def session_cadences(
    pool: asyncpg.Pool | Connection,
    *,
    cohort_id: str | None = None,
    participant_id: str | None = None,
    missed_only: bool = False,
    now: datetime | None = None,
) -> list[CadenceRow]:
    """Sessions expected (of one cohort or participant, if given; only those missed, if
    asked), the longest missed first. `now` is the database's clock unless given."""
    missed = rule.session_missed("s.missed_from", "coalesce($4::timestamptz, now())")
    rows = await pool.fetch(
        f"""
        SELECT s.participant_id, coalesce(p.display_name, s.participant_id) AS name,
               s.cohort_id, s.kind, s.held_by,
               coalesce(h.display_name, s.held_by) AS held_by_name, s.sessions,
               s.last_held_on, s.due_by, s.missed_from, {missed} AS missed
        FROM session_cadence s
        LEFT JOIN people p ON p.person_id = s.participant_id
        LEFT JOIN people h ON h.person_id = s.held_by
        WHERE ($1::text IS NULL OR s.cohort_id = $1)
          AND ($2::text IS NULL OR s.participant_id = $2)
          AND (NOT $3 OR {missed})
        ORDER BY s.missed_from, s.participant_id, s.kind
        """,
        cohort_id,
        participant_id,
        missed_only,
        now,
    )
    return [CadenceRow(**dict(row)) for row in rows]
