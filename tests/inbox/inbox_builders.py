"""Shared by the inbox tests: append domain events through the real projections, and
compare the inbox read model with the domain's own inbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from contracts.event_log import NewEvent
from domain.participant.commands import DecideTask
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState, initial_state
from store.events import append
from store.inbox import open_tasks
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import PROGRAMME_START, enrol_command, open_task_rows

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)


def envelope(event: ParticipantEvent) -> NewEvent:
    return NewEvent.of(event)


class Recorder:
    """One participant's stream: each batch is appended (projections and all) and folded."""

    def __init__(self, pool: asyncpg.Pool, participant_id: str) -> None:
        self.pool = pool
        self.state = initial_state(participant_id)

    async def record(self, events: Sequence[ParticipantEvent]) -> ParticipantState:
        assert events
        await append(
            self.pool,
            PROJECTIONS,
            f"participant-{self.state.participant_id}",
            self.state.version,
            [envelope(e) for e in events],
        )
        for event in events:
            self.state = evolve(self.state, event)
        return self.state

    async def command(self, command: object, now: datetime) -> ParticipantState:
        return await self.record(decide(self.state, command, now))  # type: ignore[arg-type]

    async def enrol(self, cohort_id: str = "C-north-2027") -> ParticipantState:
        enrol = enrol_command(self.state.participant_id).model_copy(update={"cohort_id": cohort_id})
        return await self.command(enrol, ENROLLED_AT)

    async def at_institute(self, cohort_id: str = "C-north-2027") -> ParticipantState:
        """Enrolled, checks cleared, Summer Institute begun: institute_completion is open."""
        from domain.participant.timeline import due

        await self.enrol(cohort_id)
        approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")
        await self.command(approve, PROGRAMME_START - timedelta(days=1))
        return await self.record(due(self.state, PROGRAMME_START))


def domain_view(state: ParticipantState, now: datetime) -> list[tuple[object, ...]]:
    return [
        (
            r.task_id,
            r.participant_id,
            r.cohort_id,
            r.kind,
            r.title,
            r.assignee,
            r.role,
            r.due_at,
            r.overdue,
            r.escalation_level,
            r.delegate,
        )
        for r in open_task_rows(state, now)
    ]


async def read_model_view(
    pool: asyncpg.Pool, participant_id: str, now: datetime
) -> list[tuple[object, ...]]:
    return [
        (
            e.task_id,
            e.participant_id,
            e.cohort_id,
            e.kind,
            e.title,
            e.assignee,
            e.role,
            e.due_at,
            e.overdue,
            e.escalation_level,
            e.delegate,
        )
        for e in await open_tasks(pool, participant=participant_id, now=now)
    ]


async def assert_inbox_agrees(pool: asyncpg.Pool, state: ParticipantState, now: datetime) -> None:
    """The read model at `now` shows exactly the domain's inbox rows at `now`."""
    assert await read_model_view(pool, state.participant_id, now) == domain_view(state, now)
