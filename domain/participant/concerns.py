"""The participant's side of interventions: raising a concern (which opens a case or joins
the open one), recording time sheets (a persistent shortfall raises a concern of its
own), and applying a case's outcome to the timetable, tasks and RAG status.

The deliberation between the case opening and its outcome (the Development Lead's
decision, ops' approval) is the intervention workflow's, in domain.intervention.case.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import (
    InterventionNotOpen,
    InvalidConcern,
    InvalidInterventionOutcome,
    InvalidTimesheet,
)
from domain.intervention.outcomes import (
    REPORTED_KINDS,
    REPORTERS,
    BreakInLearning,
    ConcernKind,
    ContinueWithSupportPlan,
    ExtendPhase,
    InterventionOutcome,
    MoveToNewHome,
    Severity,
    Withdraw,
    review_task_id,
    support_plan_review_id,
)
from domain.participant.commands import ApplyInterventionOutcome, RaiseConcern, SubmitTimesheet
from domain.participant.events import (
    BreakStarted,
    ConcernRaised,
    HomeChanged,
    InterventionClosed,
    InterventionOpened,
    ParticipantEvent,
    ParticipantSuspended,
    ParticipantWithdrawn,
    PhaseExtended,
    RagChanged,
    SuspensionLifted,
    TaskCancelled,
    TaskOpened,
    TaskReassigned,
    TimesheetRecorded,
)
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState
from domain.programme.management_time import MAX_WEEKLY_HOURS, PERSISTENT_WINDOWS, VERIFIERS
from domain.programme.task_policy import due_at
from domain.programme.tasks import TaskKind
from domain.rag import RagStatus
from domain.roles import SYSTEM, Role
from domain.timescale import scaled


def _label(kind: ConcernKind) -> str:
    return kind.value.replace("_", " ")


def open_case(
    state: ParticipantState,
    *,
    kind: ConcernKind,
    severity: Severity,
    reason: str,
    raised_by: str,
    at: datetime,
    trigger: str | None = None,
) -> list[ParticipantEvent]:
    """The concern, and the case it opens: a review meeting for the Development Lead, a
    red RAG status and, for safeguarding, a suspension. With a case already open the
    concern joins it (and a safeguarding concern still suspends)."""
    if kind == ConcernKind.SAFEGUARDING:
        severity = Severity.HIGH
    joined = state.open_case
    number = joined.number if joined is not None else len(state.interventions) + 1
    events: list[ParticipantEvent] = [
        ConcernRaised(
            concern_number=state.concerns_raised + 1,
            kind=kind,
            severity=severity,
            reason=reason,
            raised_by=raised_by,
            case_number=number,
            raised_at=at,
            trigger=trigger,
        )
    ]
    if joined is None:
        lead = state.person_for(Role.DEVELOPMENT_LEAD)
        task_id = review_task_id(number)
        phase_end = state.phase_earliest_end or at
        events += [
            InterventionOpened(
                case_number=number,
                kind=kind,
                severity=severity,
                assignee=lead,
                review_task_id=task_id,
                opened_at=at,
            ),
            TaskOpened(
                task_id=task_id,
                kind=TaskKind.INTERVENTION_REVIEW,
                title=f"Intervention {number}: review meeting ({_label(kind)})",
                phase=state.phase,
                role=Role.DEVELOPMENT_LEAD,
                assignee=lead,
                opened_at=at,
                due_at=due_at(TaskKind.INTERVENTION_REVIEW, at, phase_end, state.time_scale),
            ),
        ]
    if kind == ConcernKind.SAFEGUARDING and not state.suspended:
        events.append(ParticipantSuspended(case_number=number, suspended_at=at))
    if joined is None and state.rag != RagStatus.RED:
        reason_shown = f"intervention {number} opened: {_label(kind)}"
        events.append(RagChanged(status=RagStatus.RED, reason=reason_shown, changed_at=at))
    return events


def raise_concern(
    state: ParticipantState, command: RaiseConcern, now: datetime
) -> list[ParticipantEvent]:
    if not state.holds_role(command.by, REPORTERS):
        raise InvalidConcern(
            f"{command.by} does not support participant {state.participant_id}; a concern "
            "is reported by their Registered Manager, mentor, Development Lead, coach, "
            "assessor, ops or the participant"
        )
    if command.kind not in REPORTED_KINDS:
        raise InvalidConcern(f"{_label(command.kind)} is raised by the timetable, not reported")
    return open_case(
        state,
        kind=command.kind,
        severity=command.severity,
        reason=command.reason,
        raised_by=command.by,
        at=now,
    )


def record_timesheet(
    state: ParticipantState, command: SubmitTimesheet, now: datetime
) -> list[ParticipantEvent]:
    """The week's hours; amber when the rolling share falls short of the phase's target,
    and a concern when it has for PERSISTENT_WINDOWS windows in a row."""
    phase = state.phase
    if state.management_target == 0.0 or phase is None:
        raise InvalidTimesheet(
            f"participant {state.participant_id} is in "
            f"{phase.value if phase else 'enrolment'}, which has no management "
            "time target; time sheets are kept in the 80/20 and 60/40 phases"
        )
    total = command.care_hours + command.management_hours
    if not 0 < total <= MAX_WEEKLY_HOURS:
        raise InvalidTimesheet(
            f"a week of {total:g} hours cannot be right: between 0 and "
            f"{MAX_WEEKLY_HOURS:g} hours in all"
        )
    if command.week_start > now.date():
        raise InvalidTimesheet(f"the week of {command.week_start} has not begun yet")
    verified = state.holds_role(command.by, VERIFIERS)
    if not verified and command.by != state.participant_id:
        raise InvalidTimesheet(
            f"{command.by} may not record participant {state.participant_id}'s hours: the "
            "participant or their Registered Manager, mentor, Development Lead or ops may"
        )
    earlier = state.timesheets.get(command.week_start.isoformat())
    if earlier is not None and earlier.verified and not verified:
        raise InvalidTimesheet(
            f"the week of {command.week_start} is already verified by {earlier.recorded_by}"
        )
    recorded = TimesheetRecorded(
        week_start=command.week_start,
        care_hours=command.care_hours,
        management_hours=command.management_hours,
        recorded_by=command.by,
        verified=verified,
        recorded_at=now,
    )
    after = evolve(state, recorded)
    events: list[ParticipantEvent] = [recorded]
    streak = after.management_shortfall
    share = after.management_share
    if streak and share is not None:
        reason = (
            f"management time {share:.0%} against {after.management_target:.0%} over the "
            "latest weeks recorded"
        )
        trigger = f"{ConcernKind.MANAGEMENT_TIME_OFF_TRACK.value}:{phase.value}"
        if streak >= PERSISTENT_WINDOWS and trigger not in after.triggers_fired:
            events += open_case(
                after,
                kind=ConcernKind.MANAGEMENT_TIME_OFF_TRACK,
                severity=Severity.MEDIUM,
                reason=reason,
                raised_by=SYSTEM,
                at=now,
                trigger=trigger,
            )
        elif after.rag == RagStatus.GREEN:
            events.append(RagChanged(status=RagStatus.AMBER, reason=reason, changed_at=now))
    return events


def apply_outcome(
    state: ParticipantState, command: ApplyInterventionOutcome, now: datetime
) -> list[ParticipantEvent]:
    case = state.interventions.get(command.case_number)
    if case is None or not case.is_open:
        raise InterventionNotOpen(
            f"participant {state.participant_id} has no open intervention {command.case_number}"
        )
    outcome = command.outcome
    if outcome.needs_ops_approval and command.approved_by is None:
        raise InvalidInterventionOutcome(f"a {outcome.kind} outcome needs ops' approval")
    events: list[ParticipantEvent] = [
        InterventionClosed(
            case_number=case.number,
            outcome=outcome,
            decided_by=command.decided_by,
            approved_by=command.approved_by,
            closed_at=now,
        )
    ]
    events += _consequences(state, case.number, outcome, now)
    if not isinstance(outcome, Withdraw):
        if state.suspended:
            events.append(SuspensionLifted(case_number=case.number, lifted_at=now))
        if state.rag != RagStatus.GREEN:
            reason = f"intervention {case.number} closed: {outcome.kind}"
            events.append(RagChanged(status=RagStatus.GREEN, reason=reason, changed_at=now))
    return events


def _consequences(
    state: ParticipantState, number: int, outcome: InterventionOutcome, now: datetime
) -> list[ParticipantEvent]:
    match outcome:
        case ContinueWithSupportPlan():
            lead = state.person_for(Role.DEVELOPMENT_LEAD)
            return [
                TaskOpened(
                    task_id=support_plan_review_id(number),
                    kind=TaskKind.SUPPORT_PLAN_REVIEW,
                    title=f"Review the support plan of intervention {number}",
                    phase=state.phase,
                    role=Role.DEVELOPMENT_LEAD,
                    assignee=lead,
                    opened_at=now,
                    due_at=now
                    + scaled(timedelta(weeks=outcome.review_after_weeks), state.time_scale),
                )
            ]
        case MoveToNewHome():
            return _move(state, number, outcome, now)
        case ExtendPhase():
            current = state.current_phase
            if current is None or state.expected_end is None:
                raise InvalidInterventionOutcome("there is no phase to extend")
            extra = scaled(timedelta(weeks=outcome.weeks), state.time_scale)
            return [
                PhaseExtended(
                    phase=current.phase,
                    weeks=outcome.weeks,
                    earliest_end=current.earliest_end + extra,
                    expected_end=state.expected_end + extra,
                    extended_at=now,
                )
            ]
        case BreakInLearning():
            returns_at = now + scaled(outcome.length, state.time_scale)
            return [BreakStarted(case_number=number, starts_at=now, returns_at=returns_at)]
        case Withdraw():
            cancelled: list[ParticipantEvent] = [
                TaskCancelled(task_id=task.task_id, reason="withdrawn", cancelled_at=now)
                for task in state.open_tasks
            ]
            withdrawn = ParticipantWithdrawn(
                case_number=number,
                reason=outcome.reason,
                destination=outcome.destination,
                withdrawn_at=now,
            )
            return [*cancelled, withdrawn]


def _move(
    state: ParticipantState, number: int, outcome: MoveToNewHome, now: datetime
) -> list[ParticipantEvent]:
    """The new home's manager and mentor take over the old ones' open tasks."""
    home = state.home_id
    if home is None or outcome.home_id == home:
        raise InvalidInterventionOutcome(
            f"participant {state.participant_id} is already placed at {outcome.home_id}"
        )
    handovers = {
        state.person_for(Role.REGISTERED_MANAGER): outcome.registered_manager,
        state.person_for(Role.EMPLOYER_MENTOR): outcome.employer_mentor,
    }
    events: list[ParticipantEvent] = [
        HomeChanged(
            case_number=number,
            from_home=home,
            to_home=outcome.home_id,
            registered_manager=outcome.registered_manager,
            employer_mentor=outcome.employer_mentor,
            changed_at=now,
        )
    ]
    for task in state.open_tasks:
        successor = handovers.get(task.assignee)
        if successor is not None and successor != task.assignee:
            events.append(
                TaskReassigned(
                    task_id=task.task_id,
                    from_person=task.assignee,
                    to_person=successor,
                    by=SYSTEM,
                    reason=f"moved to home {outcome.home_id} (intervention {number})",
                    reassigned_at=now,
                )
            )
    return events
