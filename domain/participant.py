"""The participant decider: `decide(state, command, now)` turns a command into events or
refuses it with a DomainError, and the timetable (`due`, `next_wakeup`) says what time
alone brings. State and its fold live in participant_state; they are re-exported here so
callers need one import.

Every accepted command is decided against the participant as they stand at `now`: the
timetable is caught up first, and whatever the command's events make due at once (a
phase whose last sign-off was just approved ends) follows them in the same batch. So the
state after `decide` never needs a separate `due` call to be current.
"""

from __future__ import annotations

from datetime import datetime

from domain.commands import AdvanceTime, DecideTask, Enrol, ParticipantCommand
from domain.errors import (
    AlreadyEnrolled,
    ParticipantNotActive,
    UnknownTask,
    WrongParticipant,
)
from domain.events import ParticipantEnrolled, ParticipantEvent, TaskDecided, TaskOpened
from domain.instants import require_utc
from domain.participant_state import (
    OutplacementState,
    OutplacementStatus,
    ParticipantState,
    ParticipantSummary,
    PhaseRecord,
    evolve,
    fold,
    initial_state,
)
from domain.phase_opening import open_phase
from domain.phases import ParticipantStatus, Phase
from domain.programme import get_programme
from domain.tasks import OUTCOME_RULES, Task, next_attempt_id
from domain.timeline import due, next_wakeup
from domain.timescale import scaled

__all__ = [
    "OutplacementState",
    "OutplacementStatus",
    "ParticipantState",
    "ParticipantSummary",
    "PhaseRecord",
    "decide",
    "due",
    "evolve",
    "fold",
    "initial_state",
    "next_wakeup",
]


def decide(
    state: ParticipantState, command: ParticipantCommand, now: datetime
) -> list[ParticipantEvent]:
    """The events `command` records at `now`; raises a DomainError if it is refused."""
    now = require_utc(now)
    caught_up = due(state, now)
    current = _apply(state, caught_up)
    match command:
        case Enrol():
            decided = _enrol(current, command, now)
        case AdvanceTime():
            decided = []
        case DecideTask():
            decided = _decide_task(current, command, now)
    return [*caught_up, *decided, *due(_apply(current, decided), now)]


def _apply(state: ParticipantState, events: list[ParticipantEvent]) -> ParticipantState:
    for event in events:
        state = evolve(state, event)
    return state


def _enrol(state: ParticipantState, command: Enrol, now: datetime) -> list[ParticipantEvent]:
    if command.participant_id != state.participant_id:
        raise WrongParticipant(
            f"enrolment for {command.participant_id} sent to participant {state.participant_id}"
        )
    if state.enrolment is not None:
        raise AlreadyEnrolled(
            f"participant {state.participant_id} is already enrolled in cohort "
            f"{state.enrolment.cohort_id}"
        )
    programme = get_programme(command.programme_version)
    enrolled = ParticipantEnrolled(**command.model_dump(exclude={"type"}), enrolled_at=now)
    # Enrolment may end no earlier than the cohort's start: the Institute opens then.
    opened = open_phase(
        programme,
        command.participant_id,
        command.support,
        Phase.ENROLMENT,
        started_at=now,
        earliest_end=command.programme_start,
    )
    return [enrolled, *opened]


def _decide_task(
    state: ParticipantState, command: DecideTask, now: datetime
) -> list[ParticipantEvent]:
    enrolment = state.enrolled()
    if state.status != ParticipantStatus.ACTIVE:
        raise ParticipantNotActive(
            f"participant {state.participant_id} has {_left_how(state)}; "
            f"task {command.task_id} can no longer be decided"
        )
    task = state.tasks.get(command.task_id)
    if task is None:
        raise UnknownTask(f"participant {state.participant_id} has no task {command.task_id}")
    task.check_decision(command.decided_by, command.outcome, command.comment)
    decided: list[ParticipantEvent] = [
        TaskDecided(
            task_id=task.task_id,
            decided_by=command.decided_by,
            outcome=command.outcome,
            comment=command.comment,
            decided_at=now,
        )
    ]
    if OUTCOME_RULES[command.outcome].asks_again:
        window = get_programme(enrolment.programme_version).resubmission_due_within
        decided.append(_next_attempt(task, now, now + scaled(window, enrolment.time_scale)))
    return decided


def _next_attempt(task: Task, now: datetime, earliest_due: datetime) -> TaskOpened:
    """The same question again, to the same person; it keeps the original due date unless
    that leaves less than the resubmission window."""
    return TaskOpened(
        task_id=next_attempt_id(task.task_id),
        kind=task.kind,
        title=task.title,
        phase=task.phase,
        role=task.role,
        assignee=task.assignee,
        opened_at=now,
        due_at=max(task.due_at, earliest_due),
    )


def _left_how(state: ParticipantState) -> str:
    if state.status == ParticipantStatus.COMPLETED and state.completed_at is not None:
        return f"completed the programme on {state.completed_at.date().isoformat()}"
    return f"status {state.status}"
