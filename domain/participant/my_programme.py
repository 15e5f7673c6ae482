"""My programme: the participant's own view of their record, built from their state, their
cohort's and the clock, for the console to render.

Where they are and what comes next, what is due from them and what they wait on from
others (who, and since when), management time against the phase's target,
outplacements, conferences with their own attendance, the people around them, coaching
and mentoring, and the sign-offs on their record. People are named by id; the console
looks up names and contact details in the directory.

Intervention case tasks (review meetings, support plan reviews) are left out: they belong
to the case file, which the participant hears about from their Development Lead.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.cohort.state import CohortState
from domain.instants import UtcDatetime
from domain.participant.state import OutplacementStatus, ParticipantState, SupportSession
from domain.participant.support_sessions import SessionCadenceStatus, session_cadence
from domain.programme.management_time import WINDOW_WEEKS
from domain.programme.outplacements import OutplacementKind
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Outcome, Task, TaskKind, TaskStatus, outplacement_report_id
from domain.rag import RagStatus
from domain.support import SUPPORT_ROLES

_CASE_TASKS = frozenset({TaskKind.INTERVENTION_REVIEW, TaskKind.SUPPORT_PLAN_REVIEW})


class StepState(StrEnum):
    DONE = "done"
    CURRENT = "current"
    TO_COME = "to_come"


class PhaseStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    title: str
    state: StepState
    started_at: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None


class NextPhase(BaseModel):
    """The phase after this one, and the earliest it can start: when this one may end,
    if everything it needs is signed off by then."""

    model_config = ConfigDict(frozen=True)

    title: str
    earliest: UtcDatetime
    sign_offs_to_come: tuple[str, ...]  # titles of what must be signed off first


class DueFromYou(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    title: str
    opened_at: UtcDatetime
    due_at: UtcDatetime
    overdue: bool


class WaitingOn(BaseModel):
    """A question someone else must answer before the participant moves on."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    title: str
    person: str  # who answers it now: the assignee, or their deputy while they are away
    on_behalf_of: str | None  # the assignee, when a deputy stands in
    since: UtcDatetime
    due_at: UtcDatetime
    overdue: bool


class ManagementTime(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: float
    share: float | None  # None until a window's worth of weeks is recorded
    short: bool  # the latest window falls short of the target
    weeks_recorded: int
    window_weeks: int = WINDOW_WEEKS  # the share is over this many latest weeks


class OutplacementView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    title: str
    kind: OutplacementKind
    year: int
    status: OutplacementStatus
    started_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    report: TaskStatus | None  # the report's latest attempt; None before it is asked


class ConferenceAttendance(StrEnum):
    TO_COME = "to_come"
    ATTENDED = "attended"
    ABSENT = "absent"
    NOT_RECORDED = "not_recorded"


class ConferenceView(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    title: str
    starts_on: UtcDatetime
    ends_on: UtcDatetime
    attendance: ConferenceAttendance


class Supporter(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    person_id: str


class SignOff(BaseModel):
    """An answer on the participant's record: who gave it, when, and what they said."""

    model_config = ConfigDict(frozen=True)

    title: str
    outcome: Outcome
    status: TaskStatus
    by: str
    at: UtcDatetime
    comment: str | None


class MyProgramme(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    cohort_id: str | None
    status: ParticipantStatus | None
    suspended: bool
    phase_title: str | None
    phase_started_at: UtcDatetime | None
    expected_end: UtcDatetime | None
    rag: RagStatus
    rag_reason: str | None
    phases: tuple[PhaseStep, ...]
    next_phase: NextPhase | None
    due_from_you: tuple[DueFromYou, ...]
    waiting_on: tuple[WaitingOn, ...]
    management: ManagementTime | None  # None in a phase without a target
    outplacements: tuple[OutplacementView, ...]
    conferences: tuple[ConferenceView, ...]
    support: tuple[Supporter, ...]
    course_partners: tuple[str, ...]
    sessions: tuple[SupportSession, ...]  # the latest first
    session_cadence: tuple[SessionCadenceStatus, ...]
    sign_offs: tuple[SignOff, ...]  # the latest first

    @property
    def next_conference(self) -> ConferenceView | None:
        return next(
            (c for c in self.conferences if c.attendance == ConferenceAttendance.TO_COME), None
        )


def my_programme(state: ParticipantState, cohort: CohortState | None, now: datetime) -> MyProgramme:
    """The participant's view of their record at `now` (`cohort`: their cohort's state, for
    the conferences; None before it is on record)."""
    programme = state.programme
    phase = state.phase
    return MyProgramme(
        participant_id=state.participant_id,
        cohort_id=state.cohort_id,
        status=state.status,
        suspended=state.suspended,
        phase_title=programme.phase(phase).title if phase is not None else None,
        phase_started_at=state.phase_started_at,
        expected_end=state.expected_end,
        rag=state.rag,
        rag_reason=state.rag_history[-1].reason if state.rag_history else None,
        phases=_phases(state),
        next_phase=_next_phase(state),
        due_from_you=tuple(
            DueFromYou(
                task_id=task.task_id,
                title=task.title,
                opened_at=task.opened_at,
                due_at=task.due_at,
                overdue=task.is_overdue(now),
            )
            for task in _open_tasks(state)
            if task.assignee == state.participant_id
        ),
        waiting_on=tuple(
            _waiting_on(state, task, now)
            for task in _open_tasks(state)
            if task.assignee != state.participant_id
        ),
        management=_management(state),
        outplacements=_outplacements(state),
        conferences=_conferences(state, cohort, now),
        support=_support(state),
        course_partners=state.support.course_partners if state.support else (),
        sessions=tuple(reversed(state.support_sessions)),
        session_cadence=session_cadence(state),
        sign_offs=_sign_offs(state),
    )


def _open_tasks(state: ParticipantState) -> tuple[Task, ...]:
    return tuple(t for t in state.open_tasks if t.kind not in _CASE_TASKS)


def _phases(state: ParticipantState) -> tuple[PhaseStep, ...]:
    records = {record.phase: record for record in state.phase_history}
    steps = []
    for definition in state.programme.phases:
        record = records.get(definition.phase)
        if record is None:
            where = StepState.TO_COME
        elif record.completed_at is not None:
            where = StepState.DONE
        else:
            where = StepState.CURRENT
        steps.append(
            PhaseStep(
                phase=definition.phase,
                title=definition.title,
                state=where,
                started_at=record.started_at if record else None,
                completed_at=record.completed_at if record else None,
            )
        )
    return tuple(steps)


def _next_phase(state: ParticipantState) -> NextPhase | None:
    current = state.current_phase
    if current is None or state.has_left:
        return None
    programme = state.programme
    following = programme.next_phase(current.phase)
    if following is None:
        return None
    return NextPhase(
        title=programme.phase(following).title,
        earliest=current.earliest_end,
        sign_offs_to_come=tuple(
            programme.requirement_title(current.phase, key) for key in state.sign_offs_needed
        ),
    )


def _waiting_on(state: ParticipantState, task: Task, now: datetime) -> WaitingOn:
    deputy = state.delegate_of(task.assignee, now)
    return WaitingOn(
        task_id=task.task_id,
        title=task.title,
        person=deputy or task.assignee,
        on_behalf_of=task.assignee if deputy else None,
        since=task.opened_at,
        due_at=task.due_at,
        overdue=task.is_overdue(now),
    )


def _management(state: ParticipantState) -> ManagementTime | None:
    target = state.management_target if state.phase is not None else 0.0
    if not target:
        return None
    share = state.management_share
    return ManagementTime(
        target=target,
        share=share,
        short=share is not None and state.management_shortfall > 0,
        weeks_recorded=sum(1 for sheet in state.timesheets.values() if sheet.phase == state.phase),
    )


def _outplacements(state: ParticipantState) -> tuple[OutplacementView, ...]:
    views = []
    for definition in state.programme.outplacements:
        held = state.outplacements.get(definition.number)
        reports = [
            task
            for task in state.tasks.values()
            if task.key == outplacement_report_id(definition.number)
        ]
        latest = max(reports, key=lambda task: task.opened_at, default=None)
        views.append(
            OutplacementView(
                number=definition.number,
                title=definition.title,
                kind=definition.kind,
                year=definition.year,
                status=held.status if held else OutplacementStatus.PLANNED,
                started_at=held.started_at if held else None,
                ends_at=(held.ended_at or held.ends_at) if held else None,
                report=latest.status if latest else None,
            )
        )
    return tuple(views)


def _conferences(
    state: ParticipantState, cohort: CohortState | None, now: datetime
) -> tuple[ConferenceView, ...]:
    if cohort is None:
        return ()
    views = []
    for number in sorted(cohort.conferences):
        conference = cohort.conferences[number]
        if state.participant_id in conference.attended:
            attendance = ConferenceAttendance.ATTENDED
        elif state.participant_id in conference.absent:
            attendance = ConferenceAttendance.ABSENT
        elif conference.is_coming(now):
            attendance = ConferenceAttendance.TO_COME
        else:
            attendance = ConferenceAttendance.NOT_RECORDED
        views.append(
            ConferenceView(
                number=number,
                title=conference.title,
                starts_on=conference.starts_on,
                ends_on=conference.ends_on,
                attendance=attendance,
            )
        )
    return tuple(views)


def _support(state: ParticipantState) -> tuple[Supporter, ...]:
    """The people around them, the scheme's first; the manual's titles where it has one."""
    support = state.support
    if support is None:
        return ()
    titles = {role.key: role.title for role in SUPPORT_ROLES}
    return (
        Supporter(title=titles["development_lead"], person_id=support.development_lead),
        Supporter(title=titles["coach"], person_id=support.coach),
        Supporter(title=titles["employer_mentor"], person_id=support.employer_mentor),
        Supporter(title="Registered Manager", person_id=support.registered_manager),
        Supporter(title="Assessor", person_id=support.assessor),
        Supporter(title="Summer Institute lead", person_id=support.institute_lead),
        Supporter(title="Scheme operations", person_id=support.ops_lead),
    )


def _sign_offs(state: ParticipantState) -> tuple[SignOff, ...]:
    answered = [
        task
        for task in state.tasks.values()
        if task.decision is not None and task.kind not in _CASE_TASKS
    ]
    answered.sort(key=lambda task: task.decision.decided_at if task.decision else task.due_at)
    return tuple(
        SignOff(
            title=task.title,
            outcome=task.decision.outcome,
            status=task.status,
            by=task.decision.decided_by,
            at=task.decision.decided_at,
            comment=task.decision.comment,
        )
        for task in reversed(answered)
        if task.decision is not None
    )
