"""The participant decider: `decide(state, command, now)` turns a command into events or
refuses it with a DomainError. What time alone brings is the timetable's
(domain.participant.timeline); the state and its fold are domain.participant.state and
domain.participant.evolve.

Every accepted command is decided against the participant as they stand at `now`: the
timetable is caught up first, and whatever the command's events make due at once (a
phase whose last sign-off was just approved ends) follows them in the same batch. So the
state after `decide` never needs a separate `due` call to be current.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import (
    AlreadyEnrolled,
    DomainError,
    InvalidFeedback,
    ParticipantNotActive,
    WrongParticipant,
)
from domain.instants import require_utc
from domain.participant.approvals import check_decision, check_delegation, check_reassignment
from domain.participant.commands import (
    AddEvidence,
    AdvanceTime,
    ApplyInterventionOutcome,
    ChangeProgramme,
    DecideTask,
    Delegate,
    DraftReview,
    Enrol,
    GiveFeedback,
    ParticipantCommand,
    RaiseConcern,
    ReassignTask,
    RecordCareFeedback,
    RecordSession,
    SendBackReview,
    SignReview,
    SubmitEvidence,
    SubmitReport,
    SubmitTimesheet,
)
from domain.participant.concerns import apply_outcome, raise_concern, record_timesheet
from domain.participant.events import (
    DecisionRefused,
    DelegationGranted,
    ParticipantEnrolled,
    ParticipantEvent,
    TaskDecided,
    TaskOpened,
    TaskReassigned,
)
from domain.participant.evidence import (
    add_evidence,
    check_answerable,
    hand_back,
    submit_evidence,
    submit_report,
    work_on_record,
)
from domain.participant.evolve import evolve
from domain.participant.feedback import give_feedback, record_care_feedback
from domain.participant.phase_opening import open_phase
from domain.participant.programme_change import change_programme
from domain.participant.reviews import (
    check_decidable,
    draft_review,
    send_back_review,
    sign_review,
)
from domain.participant.state import (
    ParticipantState,
)
from domain.participant.support_sessions import record_session
from domain.participant.timeline import due
from domain.programme.definition import get_programme
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.task_policy import policy_for, resubmission_due_at
from domain.programme.tasks import Outcome, Task, next_attempt_id


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
        case ReassignTask():
            decided = _reassign(current, command, now)
        case Delegate():
            decided = _delegate(current, command, now)
        case RaiseConcern():
            _require_on_programme(current, "a concern can no longer be raised")
            decided = raise_concern(current, command, now)
        case SubmitTimesheet():
            _require_active(current, "time sheets are no longer kept")
            decided = record_timesheet(current, command, now)
        case ApplyInterventionOutcome():
            _require_on_programme(current, "an intervention's outcome no longer applies")
            decided = apply_outcome(current, command, now)
        case ChangeProgramme():
            _require_on_programme(current, "their programme can no longer change")
            decided = change_programme(current, command, now)
        case AddEvidence() | SubmitEvidence() | SubmitReport():
            _require_active(current, "their work can no longer be handed in")
            decided = _handed_in(current, command, now)
        case DraftReview() | SignReview() | SendBackReview():
            _require_active(current, "their progress reviews can no longer change")
            decided = _reviewed(current, command, now)
        case RecordSession():
            _require_on_programme(current, "sessions can no longer be recorded")
            decided = record_session(current, command, now)
        case GiveFeedback():
            _require_on_programme(current, "feedback is no longer asked of them")
            decided = give_feedback(current, command, now)
        case RecordCareFeedback():
            _require_on_programme(current, "feedback about them is no longer recorded")
            decided = record_care_feedback(current, command, now)
    return [*caught_up, *decided, *due(_apply(current, decided), now)]


def refuse(
    state: ParticipantState, command: DecideTask, error: DomainError, now: datetime
) -> list[ParticipantEvent]:
    """The record of a decision `decide` refused with `error`, for a caller that could not
    be told (a Signal): the timetable caught up to `now`, then DecisionRefused. Nothing
    of the decision is applied."""
    now = require_utc(now)
    caught_up = due(state, now)
    refused = DecisionRefused(
        task_id=command.task_id,
        decided_by=command.decided_by,
        outcome=command.outcome,
        comment=command.comment,
        refusal=type(error).__name__,
        reason=str(error),
        at=max(now, _apply(state, caught_up).as_of or now),
    )
    return [*caught_up, refused]


def _handed_in(
    state: ParticipantState, command: AddEvidence | SubmitEvidence | SubmitReport, now: datetime
) -> list[ParticipantEvent]:
    match command:
        case AddEvidence():
            return add_evidence(state, command, now)
        case SubmitEvidence():
            return submit_evidence(state, command, now)
        case SubmitReport():
            return submit_report(state, command, now)


def _reviewed(
    state: ParticipantState, command: DraftReview | SignReview | SendBackReview, now: datetime
) -> list[ParticipantEvent]:
    match command:
        case DraftReview():
            return draft_review(state, command, now)
        case SignReview():
            return sign_review(state, command, now)
        case SendBackReview():
            return send_back_review(state, command, now)


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
        time_scale=command.time_scale,
    )
    return [enrolled, *opened]


def _require_active(state: ParticipantState, what: str) -> None:
    state.enrolled()
    if state.status != ParticipantStatus.ACTIVE:
        raise ParticipantNotActive(
            f"participant {state.participant_id} has {_left_how(state)}; {what}"
        )


def _require_on_programme(state: ParticipantState, what: str) -> None:
    """Active or on a break in learning: not completed, not withdrawn."""
    state.enrolled()
    if state.has_left:
        raise ParticipantNotActive(
            f"participant {state.participant_id} has {_left_how(state)}; {what}"
        )


def _decide_task(
    state: ParticipantState, command: DecideTask, now: datetime
) -> list[ParticipantEvent]:
    _require_active(state, f"task {command.task_id} can no longer be decided")
    asked = state.tasks.get(command.task_id)
    if asked is not None and asked.is_open and asked.is_feedback:
        raise InvalidFeedback(
            f"task {asked.task_id} ({asked.title}) is answered with its form, not decided"
        )
    if asked is not None and asked.is_open:
        # Work handed in and signed reviews say so before any rule about decisions.
        check_answerable(state, asked)
        check_decidable(state, asked)
    on_behalf_of = check_decision(
        state, command.task_id, command.decided_by, command.outcome, command.comment, now
    )
    task = state.tasks[command.task_id]
    decided: list[ParticipantEvent] = [
        TaskDecided(
            task_id=task.task_id,
            decided_by=command.decided_by,
            outcome=command.outcome,
            comment=command.comment,
            decided_at=now,
            on_behalf_of=on_behalf_of,
        )
    ]
    if policy_for(task.kind).rule(command.outcome).asks_again:
        # Work the participant hands in goes back to them; any other question is asked
        # of its answerer again.
        if work_on_record(state, task):
            decided.append(hand_back(state, task, now))
        else:
            decided.append(_next_attempt(state, task, command.outcome, now))
    return decided


def _next_attempt(
    state: ParticipantState, task: Task, outcome: Outcome, now: datetime
) -> TaskOpened:
    """The same question again, to the same person, due as the task policy says."""
    return TaskOpened(
        task_id=next_attempt_id(task.task_id),
        kind=task.kind,
        title=task.title,
        phase=task.phase,
        role=task.role,
        assignee=task.assignee,
        opened_at=now,
        due_at=resubmission_due_at(task, outcome, now, state.time_scale),
    )


def _reassign(
    state: ParticipantState, command: ReassignTask, now: datetime
) -> list[ParticipantEvent]:
    _require_active(state, f"task {command.task_id} can no longer be reassigned")
    task = check_reassignment(state, command.task_id, command.to_person, command.by)
    return [
        TaskReassigned(
            task_id=task.task_id,
            from_person=task.assignee,
            to_person=command.to_person,
            by=command.by,
            reason=command.reason,
            reassigned_at=now,
        )
    ]


def _delegate(state: ParticipantState, command: Delegate, now: datetime) -> list[ParticipantEvent]:
    _require_active(state, "its tasks can no longer be delegated")
    check_delegation(
        state,
        command.from_person,
        command.to_person,
        command.starts_at,
        command.until,
        command.by,
        now,
    )
    return [
        DelegationGranted(
            delegation_id=len(state.delegations) + 1,
            from_person=command.from_person,
            to_person=command.to_person,
            starts_at=command.starts_at,
            until=command.until,
            by=command.by,
            granted_at=now,
        )
    ]


def _left_how(state: ParticipantState) -> str:
    if state.status == ParticipantStatus.COMPLETED and state.completed_at is not None:
        return f"completed the programme on {state.completed_at.date().isoformat()}"
    if state.withdrawal is not None:
        return f"withdrawn on {state.withdrawal.withdrawn_at.date().isoformat()}"
    if state.current_break is not None:
        returns = state.current_break.returns_at.date().isoformat()
        return f"a break in learning until {returns}"
    return f"status {state.status}"
