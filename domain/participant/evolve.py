"""Folding a participant's events: `evolve` is the only way their state changes, and the
workflow and the Postgres projections share it, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from domain.errors import InconsistentHistory
from domain.intervention.outcomes import CaseStatus, InterventionCase
from domain.participant.events import (
    BreakEnded,
    BreakStarted,
    CareFeedbackRecorded,
    ConcernRaised,
    DecisionRefused,
    DelegationEnded,
    DelegationGranted,
    EvidenceAdded,
    EvidenceSubmitted,
    FeedbackGiven,
    HomeChanged,
    InterventionClosed,
    InterventionOpened,
    OutplacementEnded,
    OutplacementStarted,
    ParticipantEnrolled,
    ParticipantEvent,
    ParticipantSuspended,
    ParticipantWithdrawn,
    PhaseCompleted,
    PhaseExtended,
    PhaseStarted,
    ProgrammeCompleted,
    ProgrammeVersionChanged,
    RagChanged,
    ReportSubmitted,
    ReviewDrafted,
    ReviewSentBack,
    ReviewSigned,
    SupportSessionRecorded,
    SuspensionLifted,
    TaskCancelled,
    TaskDecided,
    TaskEscalated,
    TaskOpened,
    TaskReassigned,
    TaskReminderDue,
    TimesheetRecorded,
)
from domain.participant.feedback_answers import CareFeedback, FeedbackAnswer
from domain.participant.state import (
    Delegation,
    OutplacementState,
    OutplacementStatus,
    ParticipantState,
    PhaseRecord,
    SupportSession,
    initial_state,
)
from domain.participant.work import (
    EvidenceItem,
    HandedIn,
    ProgressReview,
    ReviewForm,
    ReviewReturn,
    ReviewSignature,
)
from domain.programme.definition import get_programme
from domain.programme.management_time import Timesheet
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.task_policy import policy_for
from domain.programme.tasks import (
    Decision,
    Task,
    TaskKind,
    TaskStatus,
    care_certificate_id,
    outplacement_report_id,
    task_key,
)
from domain.rag import RagChange
from domain.timescale import scaled


def evolve(state: ParticipantState, event: ParticipantEvent) -> ParticipantState:
    """The state after one more event."""
    changes = _changes(state, event)
    at = event.at if state.as_of is None else max(state.as_of, event.at)
    return state.model_copy(update={**changes, "as_of": at, "version": state.version + 1})


def fold(events: Iterable[ParticipantEvent], participant_id: str) -> ParticipantState:
    state = initial_state(participant_id)
    for event in events:
        state = evolve(state, event)
    return state


def _changes(state: ParticipantState, event: ParticipantEvent) -> dict[str, object]:
    match event:
        case ParticipantEnrolled():
            programme = get_programme(event.programme_version)
            return {
                "enrolment": event,
                "status": ParticipantStatus.ACTIVE,
                "expected_end": event.programme_start
                + scaled(programme.total_duration, event.time_scale),
                "outplacements": {
                    o.number: OutplacementState(number=o.number, kind=o.kind)
                    for o in programme.outplacements
                },
            }
        case PhaseStarted():
            record = PhaseRecord(
                phase=event.phase, started_at=event.started_at, earliest_end=event.earliest_end
            )
            return {"phase_history": (*state.phase_history, record)}
        case PhaseCompleted():
            current = _current_phase(state, event.phase)
            completed = current.model_copy(update={"completed_at": event.completed_at})
            return {"phase_history": (*state.phase_history[:-1], completed)}
        case TaskOpened():
            task = Task(
                task_id=event.task_id,
                kind=event.kind,
                title=event.title,
                phase=event.phase,
                role=event.role,
                assignee=event.assignee,
                opened_at=event.opened_at,
                due_at=event.due_at,
            )
            # Later attempts of a review answer the same review; they do not count.
            first_attempt = task_key(event.task_id) == event.task_id
            opens_review = event.kind == TaskKind.PROGRESS_REVIEW and first_attempt
            return {
                "tasks": {**state.tasks, event.task_id: task},
                "next_progress_review_number": state.next_progress_review_number
                + int(opens_review),
            }
        case TaskDecided():
            task = _task(state, event.task_id)
            decided = task.decided(
                Decision(
                    decided_by=event.decided_by,
                    outcome=event.outcome,
                    comment=event.comment,
                    decided_at=event.decided_at,
                    on_behalf_of=event.on_behalf_of,
                ),
                policy_for(task.kind).rule(event.outcome).closes_as,
            )
            return {"tasks": {**state.tasks, event.task_id: decided}}
        case DecisionRefused():
            return {}  # on record, never applied
        case TaskReassigned():
            task = _task(state, event.task_id).model_copy(update={"assignee": event.to_person})
            return {"tasks": {**state.tasks, event.task_id: task}}
        case TaskReminderDue():
            task = _task(state, event.task_id)
            reminded = task.model_copy(update={"reminders_sent": event.reminder_number})
            return {"tasks": {**state.tasks, event.task_id: reminded}}
        case TaskEscalated():
            task = _task(state, event.task_id)
            escalated = task.model_copy(update={"escalation_level": event.level})
            return {"tasks": {**state.tasks, event.task_id: escalated}}
        case DelegationGranted():
            delegation = Delegation(
                delegation_id=event.delegation_id,
                from_person=event.from_person,
                to_person=event.to_person,
                starts_at=event.starts_at,
                until=event.until,
                granted_by=event.by,
            )
            return {"delegations": (*state.delegations, delegation)}
        case DelegationEnded():
            return {
                "delegations": tuple(
                    d.model_copy(update={"ended": True})
                    if d.delegation_id == event.delegation_id
                    else d
                    for d in state.delegations
                )
            }
        case OutplacementStarted():
            started = _outplacement(state, event.number).model_copy(
                update={
                    "status": OutplacementStatus.IN_PROGRESS,
                    "started_at": event.started_at,
                    "ends_at": event.ends_at,
                }
            )
            return {"outplacements": {**state.outplacements, event.number: started}}
        case OutplacementEnded():
            ended = _outplacement(state, event.number).model_copy(
                update={"status": OutplacementStatus.ENDED, "ended_at": event.ended_at}
            )
            return {"outplacements": {**state.outplacements, event.number: ended}}
        case RagChanged():
            change = RagChange(status=event.status, reason=event.reason, changed_at=event.at)
            return {"rag": event.status, "rag_history": (*state.rag_history, change)}
        case ProgrammeCompleted():
            return {"status": ParticipantStatus.COMPLETED, "completed_at": event.completed_at}
        case (
            EvidenceAdded()
            | EvidenceSubmitted()
            | ReportSubmitted()
            | ReviewDrafted()
            | ReviewSigned()
            | ReviewSentBack()
        ):
            return _work_changes(state, event)
        case _:
            return _intervention_changes(state, event)


def _work_changes(state: ParticipantState, event: ParticipantEvent) -> dict[str, object]:
    """What the participant's work and their progress reviews' forms change."""
    match event:
        case EvidenceAdded():
            key = care_certificate_id(event.standard)
            record = state.work_on(key)
            item = EvidenceItem(
                item=event.item,
                kind=event.kind,
                text=event.text,
                documents=event.documents,
                added_by=event.added_by,
                added_at=event.added_at,
            )
            added = record.model_copy(update={"items": (*record.items, item)})
            return {"work": {**state.work, key: added}}
        case EvidenceSubmitted() | ReportSubmitted():
            if isinstance(event, EvidenceSubmitted):
                key = care_certificate_id(event.standard)
                version = HandedIn(
                    version=event.version,
                    items=event.items,
                    submitted_by=event.submitted_by,
                    submitted_at=event.submitted_at,
                )
            else:
                key = outplacement_report_id(event.outplacement)
                version = HandedIn(
                    version=event.version,
                    text=event.text,
                    documents=event.documents,
                    submitted_by=event.submitted_by,
                    submitted_at=event.submitted_at,
                )
            record = state.work_on(key)
            handed_in = record.model_copy(update={"versions": (*record.versions, version)})
            return {"work": {**state.work, key: handed_in}}
        case ReviewDrafted():
            review = state.reviews.get(event.review) or ProgressReview(number=event.review)
            form = ReviewForm(**event.model_dump(exclude={"type", "review"}))
            drafted = review.model_copy(update={"forms": (*review.forms, form)})
            return {"reviews": {**state.reviews, event.review: drafted}}
        case ReviewSigned():
            review = _review(state, event.review)
            signature = ReviewSignature(**event.model_dump(exclude={"type", "review"}))
            signed = review.model_copy(update={"signatures": (*review.signatures, signature)})
            return {"reviews": {**state.reviews, event.review: signed}}
        case ReviewSentBack():
            review = _review(state, event.review)
            back = ReviewReturn(
                version=event.version, by=event.by, reason=event.reason, at=event.sent_back_at
            )
            returned = review.model_copy(update={"returns": (*review.returns, back)})
            return {"reviews": {**state.reviews, event.review: returned}}
    raise InconsistentHistory(f"no rule folds {type(event).__name__}")


def _intervention_changes(state: ParticipantState, event: ParticipantEvent) -> dict[str, object]:
    """What interventions, breaks, moves, withdrawal, time sheets and coaching and
    mentoring sessions change."""
    match event:
        case ConcernRaised():
            changes: dict[str, object] = {"concerns_raised": state.concerns_raised + 1}
            if event.trigger is not None:
                changes["triggers_fired"] = state.triggers_fired | {event.trigger}
            joined = state.interventions.get(event.case_number)
            if joined is not None:
                case = joined.model_copy(
                    update={"concerns": (*joined.concerns, event.concern_number)}
                )
                changes["interventions"] = {**state.interventions, case.number: case}
            return changes
        case InterventionOpened():
            case = InterventionCase(
                number=event.case_number,
                kind=event.kind,
                severity=event.severity,
                concerns=(state.concerns_raised,),
                assignee=event.assignee,
                review_task_id=event.review_task_id,
                opened_at=event.opened_at,
            )
            return {"interventions": {**state.interventions, case.number: case}}
        case InterventionClosed():
            closed = _case(state, event.case_number).model_copy(
                update={
                    "status": CaseStatus.CLOSED,
                    "outcome": event.outcome,
                    "closed_at": event.closed_at,
                }
            )
            return {"interventions": {**state.interventions, closed.number: closed}}
        case ParticipantSuspended():
            return {"suspended": True}
        case SuspensionLifted():
            return {"suspended": False}
        case PhaseExtended():
            current = _current_phase(state, event.phase)
            tasks = {
                task_id: task.model_copy(update={"due_at": event.earliest_end})
                if task.is_open and task.due_at == current.earliest_end
                else task
                for task_id, task in state.tasks.items()
            }
            extended = current.model_copy(update={"earliest_end": event.earliest_end})
            return {
                "phase_history": (*state.phase_history[:-1], extended),
                "expected_end": event.expected_end,
                "tasks": tasks,
            }
        case BreakStarted():
            return {"status": ParticipantStatus.ON_BREAK, "current_break": event}
        case BreakEnded():
            return {**_shifted(state, event.length), "back_from_break_at": event.ended_at}
        case HomeChanged():
            return {
                "placement_home": event.to_home,
                "placement_support": state.supporters().model_copy(
                    update={
                        "registered_manager": event.registered_manager,
                        "employer_mentor": event.employer_mentor,
                    }
                ),
            }
        case TaskCancelled():
            task = _task(state, event.task_id).model_copy(update={"status": TaskStatus.CANCELLED})
            return {"tasks": {**state.tasks, event.task_id: task}}
        case ParticipantWithdrawn():
            return {"status": ParticipantStatus.WITHDRAWN, "withdrawal": event}
        case TimesheetRecorded():
            phase = state.phase
            if phase is None:
                raise InconsistentHistory("a time sheet was recorded before the programme began")
            sheet = Timesheet(
                week_start=event.week_start,
                phase=phase,
                care_hours=event.care_hours,
                management_hours=event.management_hours,
                recorded_by=event.recorded_by,
                verified=event.verified,
            )
            return {"timesheets": {**state.timesheets, event.week_start.isoformat(): sheet}}
        case ProgrammeVersionChanged():
            return {"programme_changes": (*state.programme_changes, event)}
        case SupportSessionRecorded():
            session = SupportSession(
                number=event.session_number,
                kind=event.kind,
                held_on=event.held_on,
                minutes=event.minutes,
                themes=event.themes,
                recorded_by=event.recorded_by,
                recorded_at=event.recorded_at,
                has_notes=event.notes is not None,
            )
            return {"support_sessions": (*state.support_sessions, session)}
        case FeedbackGiven():
            answer = FeedbackAnswer(
                **event.model_dump(exclude={"type", "comment"}),
                has_comment=event.comment is not None,
            )
            return {"feedback": (*state.feedback, answer)}
        case CareFeedbackRecorded():
            care = CareFeedback(
                **event.model_dump(exclude={"type", "comment"}),
                has_comment=event.comment is not None,
            )
            return {"care_feedback": (*state.care_feedback, care)}
    raise InconsistentHistory(f"no rule folds {type(event).__name__}")


def _shifted(state: ParticipantState, length: timedelta) -> dict[str, object]:
    """Back from a break: the phase's timetable, the open tasks, a running outplacement
    and the programme's end all move on by the break's length."""
    current = state.current_phase
    history = state.phase_history
    if current is not None:
        moved = current.model_copy(
            update={
                "paused": current.paused + length,
                "earliest_end": current.earliest_end + length,
            }
        )
        history = (*history[:-1], moved)
    return {
        "status": ParticipantStatus.ACTIVE,
        "current_break": None,
        "time_out": state.time_out + length,
        "phase_history": history,
        "expected_end": None if state.expected_end is None else state.expected_end + length,
        "tasks": {
            task_id: task.model_copy(update={"due_at": task.due_at + length})
            if task.is_open
            else task
            for task_id, task in state.tasks.items()
        },
        "outplacements": {
            number: outplacement.model_copy(update={"ends_at": outplacement.ends_at + length})
            if outplacement.status == OutplacementStatus.IN_PROGRESS
            and outplacement.ends_at is not None
            else outplacement
            for number, outplacement in state.outplacements.items()
        },
    }


def _current_phase(state: ParticipantState, phase: Phase) -> PhaseRecord:
    current = state.current_phase
    if current is None or current.phase != phase:
        raise InconsistentHistory(
            f"{phase} changed but participant {state.participant_id} is in {state.phase}"
        )
    return current


def _case(state: ParticipantState, number: int) -> InterventionCase:
    try:
        return state.interventions[number]
    except KeyError:
        raise InconsistentHistory(f"intervention {number} was closed but never opened") from None


def _review(state: ParticipantState, number: int) -> ProgressReview:
    try:
        return state.reviews[number]
    except KeyError:
        raise InconsistentHistory(
            f"progress review {number} was signed but never filled in"
        ) from None


def _task(state: ParticipantState, task_id: str) -> Task:
    try:
        return state.tasks[task_id]
    except KeyError:
        raise InconsistentHistory(f"task {task_id} was acted on but never opened") from None


def _outplacement(state: ParticipantState, number: int) -> OutplacementState:
    try:
        return state.outplacements[number]
    except KeyError:
        raise InconsistentHistory(f"outplacement {number} is not in the programme") from None
