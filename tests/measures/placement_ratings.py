"""Participants on programme 2026.2 at the point where they rate their care placement: on
record up to it (decided by the domain in a moment), and ready to start as a workflow in
real time. The placement flag tests and the replay recorder share them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.client import WorkflowHandle

from contracts.event_log import NewEvent
from contracts.placements import FLAG_PLACEMENT
from domain.ids import participant_workflow_id
from domain.participant.commands import AdvanceTime
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import next_wakeup
from domain.programme.phases import Phase
from store.events import append
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, work_and_answer
from workflows.participant import ParticipantRun

POOR = {"learning": 2, "support": 1, "leadership_exposure": 3, "safety_culture": 2}
RATING = "placement_rating.care_placement.participant"


def after_care_placement(
    participant_id: str, start: datetime = PROGRAMME_START
) -> tuple[ParticipantState, list[ParticipantEvent], datetime]:
    """A 2026.2 participant at home H-1 through their care placement, every task answered
    but their rating of the placement; and when the placement ended."""
    now = start - timedelta(weeks=6)
    state = initial_state(participant_id)
    enrolment = enrol_command(participant_id=participant_id, programme_version="2026.2")
    events: list[ParticipantEvent] = decide(
        state, enrolment.model_copy(update={"programme_start": start}), now
    )
    state = applied(state, events)
    while state.phase != Phase.FIRST_LINE_MANAGEMENT:
        ready = [t for t in state.open_tasks if not t.key.startswith("placement_rating.")]
        commands = work_and_answer(state, ready[0]) if ready else [AdvanceTime()]
        if not ready:
            wakeup = next_wakeup(state)
            assert wakeup is not None
            now = max(now, wakeup)
        for command in commands:
            decided = decide(state, command, now)
            state = applied(state, decided)
            events += decided
    return state, events, now


async def ready_to_rate(pool: asyncpg.Pool, participant_id: str) -> ParticipantRun:
    """On record up to an hour after their care placement ended, in real time: the run
    to start their workflow with, as a continue-as-new would."""
    probe = datetime(2030, 1, 7, 9, tzinfo=UTC)
    _, _, ended = after_care_placement(participant_id, probe)
    now = datetime.now(UTC)
    start = now - (ended - probe) - timedelta(hours=1)
    state, events, ended = after_care_placement(participant_id, start)
    assert ended <= now
    caught_up = decide(state, AdvanceTime(), now)
    state = applied(state, caught_up)
    assert state.tasks[RATING].is_open
    stream = participant_workflow_id(participant_id)
    await append(pool, PROJECTIONS, stream, 0, [NewEvent.of(e) for e in [*events, *caught_up]])
    enrolment = enrol_command(participant_id, programme_version="2026.2")
    enrolment = enrolment.model_copy(update={"programme_start": start})
    return ParticipantRun(enrolment=enrolment, state=state)


async def flag_checks_done(handle: WorkflowHandle) -> int:
    """How many placement flag checks the participant's workflow has finished, either way."""
    scheduled, done = set(), 0
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            if event.activity_task_scheduled_event_attributes.activity_type.name == FLAG_PLACEMENT:
                scheduled.add(event.event_id)
        for finished in (
            event.activity_task_completed_event_attributes,
            event.activity_task_failed_event_attributes,
        ):
            done += finished.scheduled_event_id in scheduled
    return done
