"""The programme's timetable: what becomes due for a participant as time passes.

Every time-driven rule offers at most one next step: the instant it is due and the
events it records. `due(state, now)` takes the earliest step that is due, applies it,
and asks again, so the events it returns are in time order and cascades (a phase that
completes and opens the next one, whose outplacement is already due) come out in one
call. `next_wakeup(state)` is the earliest step's instant: nothing new is due before it.

A step's instant derives from the state alone, never from `now`, so a workflow that
wakes late records the same dates as one that wakes on time. Steps are never dated
before the latest recorded event (`as_of`), so a stream's dates never go backwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime, require_utc
from domain.intervention.outcomes import ConcernKind, Severity
from domain.participant.concerns import open_case
from domain.participant.events import (
    BreakEnded,
    DelegationEnded,
    OutplacementEnded,
    OutplacementStarted,
    ParticipantEvent,
    PhaseCompleted,
    ProgrammeCompleted,
    RagChanged,
    TaskCancelled,
    TaskEscalated,
    TaskOpened,
    TaskReminderDue,
)
from domain.participant.evidence import report_writing
from domain.participant.evolve import evolve
from domain.participant.feedback import at_outplacement_end, at_phase_end, lapsed, lapses_at
from domain.participant.phase_opening import open_phase
from domain.participant.reviews import late_review_reason
from domain.participant.state import OutplacementStatus, ParticipantState
from domain.programme.outplacements import OutplacementDefinition
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.task_policy import due_at, escalation_at, reminder_at
from domain.programme.tasks import TaskKind, outplacement_report_id, progress_review_id
from domain.rag import RagStatus
from domain.roles import SYSTEM, Role
from domain.timescale import scaled

CLOSED_WITH_PROGRAMME = "closed unanswered: the programme has ended"


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    events: tuple[ParticipantEvent, ...]


def due(state: ParticipantState, now: datetime) -> list[ParticipantEvent]:
    """The events the timetable records by `now`, in time order; [] when up to date."""
    now = require_utc(now)
    recorded: list[ParticipantEvent] = []
    while (step := next_step(state)) is not None and step.at <= now:
        for event in step.events:
            state = evolve(state, event)
        recorded.extend(step.events)
    return recorded


def next_wakeup(state: ParticipantState) -> datetime | None:
    """The earliest instant at which `due` may return something; None when nothing ever
    will again without a decision (not enrolled, or the programme is over)."""
    step = next_step(state)
    return step.at if step is not None else None


def next_step(state: ParticipantState) -> Step | None:
    """The earliest step any rule offers; ties go to the rule listed first in _RULES."""
    if state.status == ParticipantStatus.ON_BREAK:
        return _break_end(state)  # the timetable waits for the return date
    if not state.is_active:
        return None
    steps = [step for rule in _RULES if (step := rule(state)) is not None]
    # min() keeps the first of equal instants, so _RULES' order breaks ties.
    return min(steps, key=lambda step: step.at, default=None)


def _not_before_last_event(state: ParticipantState, at: datetime) -> datetime:
    return at if state.as_of is None else max(at, state.as_of)


def _phase_end(state: ParticipantState, at: datetime) -> datetime:
    earliest_end = state.phase_earliest_end
    return at if earliest_end is None else max(at, earliest_end)


def _break_end(state: ParticipantState) -> Step | None:
    taken = state.current_break
    if taken is None:
        return None
    at = _not_before_last_event(state, taken.returns_at)
    length = taken.returns_at - taken.starts_at
    return Step(at=at, events=(BreakEnded(length=length, ended_at=at),))


def _back_to_green(state: ParticipantState) -> Step | None:
    """Amber lifts as soon as nothing is overdue and management time is on target (red
    is for interventions to lift)."""
    if state.rag != RagStatus.AMBER or state.as_of is None:
        return None
    if any(task.is_overdue(state.as_of) for task in state.open_sign_offs):
        return None
    if state.management_shortfall:
        return None
    reason = "no task is overdue and management time is on target"
    return Step(
        at=state.as_of,
        events=(RagChanged(status=RagStatus.GREEN, reason=reason, changed_at=state.as_of),),
    )


def _phase_completion(state: ParticipantState) -> Step | None:
    """A phase ends when everything it needs is approved, but not before its earliest end."""
    current = state.current_phase
    if current is None or current.completed_at is not None or state.sign_offs_needed:
        return None
    approvals = [state.approval_of(key) for key in state.programme.requirements_for(current.phase)]
    last_approval = max(
        (approval.decided_at for approval in approvals if approval is not None),
        default=current.earliest_end,
    )
    at = _not_before_last_event(state, max(current.earliest_end, last_approval))
    completed: list[ParticipantEvent] = [PhaseCompleted(phase=current.phase, completed_at=at)]
    following = state.programme.next_phase(current.phase)
    completed += at_phase_end(state, current.phase, following, at)
    if following is None:
        return Step(at=at, events=(*completed, *_closed_with_programme(state, completed, at)))
    duration = scaled(state.programme.phase(following).duration, state.time_scale)
    opened = open_phase(
        state.programme,
        state.participant_id,
        state.supporters(),
        following,
        started_at=at,
        earliest_end=at + duration,
        time_scale=state.time_scale,
    )
    return Step(at=at, events=(*completed, *opened))


def _closed_with_programme(
    state: ParticipantState, completed: list[ParticipantEvent], at: datetime
) -> list[ParticipantEvent]:
    """The programme ends: every task still open (a progress review due after readiness
    was signed, a survey not answered) closes unanswered, so no inbox keeps a question
    nobody may answer any more."""
    for event in completed:
        state = evolve(state, event)
    return [
        *(
            TaskCancelled(task_id=task.task_id, reason=CLOSED_WITH_PROGRAMME, cancelled_at=at)
            for task in state.open_tasks
        ),
        ProgrammeCompleted(completed_at=at),
    ]


def _outplacement_definitions(state: ParticipantState) -> Iterator[OutplacementDefinition]:
    phase = state.phase
    if phase is not None:
        yield from state.programme.outplacements_in(phase)


def _outplacement_end(state: ParticipantState) -> Step | None:
    for definition in _outplacement_definitions(state):
        outplacement = state.outplacements[definition.number]
        if outplacement.status != OutplacementStatus.IN_PROGRESS or outplacement.ends_at is None:
            continue
        at = _not_before_last_event(state, outplacement.ends_at)
        ended = OutplacementEnded(number=definition.number, ended_at=at)
        rated = at_outplacement_end(state, definition.number, at)
        if not definition.report_required:
            return Step(at=at, events=(ended, *rated))
        if definition.report_by_participant:
            return Step(at=at, events=(ended, report_writing(state, definition.number, at), *rated))
        report = TaskOpened(
            task_id=outplacement_report_id(definition.number),
            kind=TaskKind.OUTPLACEMENT_REPORT,
            title=definition.report_title,
            phase=definition.phase,
            role=Role.DEVELOPMENT_LEAD,
            assignee=state.person_for(Role.DEVELOPMENT_LEAD),
            opened_at=at,
            due_at=due_at(
                TaskKind.OUTPLACEMENT_REPORT, at, _phase_end(state, at), state.time_scale
            ),
        )
        return Step(at=at, events=(ended, report, *rated))
    return None


def _outplacement_start(state: ParticipantState) -> Step | None:
    started_at = state.phase_started_at
    if started_at is None:
        return None
    for definition in _outplacement_definitions(state):
        if state.outplacements[definition.number].status != OutplacementStatus.PLANNED:
            continue
        paused = state.phase_history[-1].paused
        at = _not_before_last_event(
            state, started_at + paused + scaled(definition.starts_after, state.time_scale)
        )
        ends_at = at + scaled(definition.duration, state.time_scale)
        started = OutplacementStarted(
            number=definition.number, kind=definition.kind, started_at=at, ends_at=ends_at
        )
        return Step(at=at, events=(started,))
    return None


def _progress_review(state: ParticipantState) -> Step | None:
    """Tripartite reviews every interval from the programme start, while active."""
    programme = state.programme
    number = state.next_progress_review_number
    interval = scaled(programme.progress_review_interval, state.time_scale)
    start = state.enrolled().programme_start + state.time_out
    at = _not_before_last_event(state, start + number * interval)
    review = TaskOpened(
        task_id=progress_review_id(number),
        kind=TaskKind.PROGRESS_REVIEW,
        title=f"Progress review {number} (participant, employer and scheme)",
        phase=state.phase,
        role=Role.DEVELOPMENT_LEAD,
        assignee=state.person_for(Role.DEVELOPMENT_LEAD),
        opened_at=at,
        due_at=due_at(TaskKind.PROGRESS_REVIEW, at, _phase_end(state, at), state.time_scale),
    )
    return Step(at=at, events=(review,))


# Tasks whose lateness is itself a concern, and how late they may be first.
_LATE_TASK_CONCERNS = {
    TaskKind.PROGRESS_REVIEW: ConcernKind.PROGRESS_REVIEW_MISSED,
    TaskKind.OUTPLACEMENT_REPORT: ConcernKind.OUTPLACEMENT_REPORT_OVERDUE,
    TaskKind.OUTPLACEMENT_REPORT_WRITING: ConcernKind.OUTPLACEMENT_REPORT_OVERDUE,
}
# A standard is still to do while its assessor's task, or the participant's task to hand
# its evidence in again, is open.
_STANDARD_KINDS = (TaskKind.CARE_CERTIFICATE_STANDARD, TaskKind.CARE_CERTIFICATE_EVIDENCE)
LATE_TASK_GRACE = timedelta(weeks=2)
# The Care Certificate is to be complete three months into the care placement.
CARE_CERTIFICATE_TARGET = timedelta(weeks=13)


def _automatic_concern(state: ParticipantState) -> Step | None:
    """The timetable's own concerns, each raised once: the Care Certificate not complete
    by its target, a progress review or outplacement report long overdue."""
    candidates: list[tuple[datetime, ConcernKind, str, str]] = []
    current = state.current_phase
    if current is not None and current.phase == Phase.CARE_PLACEMENT:
        standards_open = [task for task in state.open_tasks if task.kind in _STANDARD_KINDS]
        trigger = f"{ConcernKind.CARE_CERTIFICATE_OVERRUN.value}:{current.phase.value}"
        if standards_open and trigger not in state.triggers_fired:
            target = current.started_at + current.paused
            target += scaled(CARE_CERTIFICATE_TARGET, state.time_scale)
            reason = f"{len(standards_open)} Care Certificate standards not signed off by target"
            candidates.append((target, ConcernKind.CARE_CERTIFICATE_OVERRUN, trigger, reason))
    for task in state.open_tasks:
        kind = _LATE_TASK_CONCERNS.get(task.kind)
        if kind is None or (trigger := f"{kind}:{task.key}") in state.triggers_fired:
            continue
        at = task.due_at + scaled(LATE_TASK_GRACE, state.time_scale)
        reason = late_review_reason(state, task) or f"task {task.task_id} ({task.title}) not done"
        candidates.append((at, kind, trigger, reason))
    if not candidates:
        return None
    instant, kind, trigger, reason = min(candidates, key=lambda candidate: candidate[:3])
    at = _not_before_last_event(state, instant)
    events = open_case(
        state,
        kind=kind,
        severity=Severity.MEDIUM,
        reason=reason,
        raised_by=SYSTEM,
        at=at,
        trigger=trigger,
    )
    return Step(at=at, events=tuple(events))


def _overdue(state: ParticipantState) -> Step | None:
    """Amber from the instant the most urgent open task falls due (feedback aside)."""
    if state.rag != RagStatus.GREEN or not state.open_sign_offs:
        return None
    task = state.open_sign_offs[0]
    at = _not_before_last_event(state, task.due_at)
    reason = f"task {task.task_id} ({task.title}) overdue since {task.due_at.date().isoformat()}"
    return Step(at=at, events=(RagChanged(status=RagStatus.AMBER, reason=reason, changed_at=at),))


def _chasing(state: ParticipantState) -> Step | None:
    """The next reminder or escalation of any open task, as the task policy times them.
    Each is an event, so the workflow sends one notification per event; a task that
    closes, or reaches the end of its policy's ladder, is chased no more."""
    candidates: list[tuple[datetime, str, int, ParticipantEvent]] = []
    for task in state.open_tasks:
        number = task.reminders_sent + 1
        reminder = reminder_at(task, number, state.time_scale)
        if reminder is not None:
            at = _not_before_last_event(state, reminder)
            to_person = state.delegate_of(task.assignee, at) or task.assignee
            event: ParticipantEvent = TaskReminderDue(
                task_id=task.task_id,
                reminder_number=number,
                to_person=to_person,
                kind=task.kind,
                title=task.title,
                due_at=task.due_at,
                at=at,
            )
            candidates.append((at, task.task_id, 0, event))
        level = task.escalation_level + 1
        escalation = escalation_at(task, level, state.time_scale)
        if escalation is not None:
            instant, role = escalation
            at = _not_before_last_event(state, instant)
            escalated = TaskEscalated(
                task_id=task.task_id,
                level=level,
                to_role=role,
                to_person=state.person_for(role),
                assignee=task.assignee,
                kind=task.kind,
                title=task.title,
                due_at=task.due_at,
                at=at,
            )
            candidates.append((at, task.task_id, 1, escalated))
    if not candidates:
        return None
    at, _, _, first = min(candidates, key=lambda candidate: candidate[:3])
    return Step(at=at, events=(first,))


def _feedback_lapse(state: ParticipantState) -> Step | None:
    """Feedback nobody gave in the plan's time closes unanswered, the earliest first."""
    lapsing = [(at, task) for task in state.open_tasks if (at := lapses_at(state, task))]
    if not lapsing:
        return None
    instant, task = min(lapsing, key=lambda item: (item[0], item[1].task_id))
    at = _not_before_last_event(state, instant)
    return Step(at=at, events=(lapsed(task, at),))


def _delegation_end(state: ParticipantState) -> Step | None:
    """A delegation's end is recorded when its window closes (the window alone decides
    whether a deputy may act; this makes the end visible and notifiable)."""
    running = [d for d in state.delegations if not d.ended]
    if not running:
        return None
    delegation = min(running, key=lambda d: (d.until, d.delegation_id))
    at = _not_before_last_event(state, delegation.until)
    ended = DelegationEnded(
        delegation_id=delegation.delegation_id,
        from_person=delegation.from_person,
        to_person=delegation.to_person,
        ended_at=at,
    )
    return Step(at=at, events=(ended,))


# Order matters only for steps due at the same instant: a phase that can end at its
# earliest end does so before its sign-offs count as overdue, and chasers come last so
# that nothing is chased that the same instant closes.
_RULES: tuple[Callable[[ParticipantState], Step | None], ...] = (
    _back_to_green,
    _phase_completion,
    _outplacement_end,
    _outplacement_start,
    _progress_review,
    _automatic_concern,
    _overdue,
    _feedback_lapse,
    _delegation_end,
    _chasing,
)
