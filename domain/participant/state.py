"""A participant's state: what the fold of their events knows about them, and what the
workflow's query, the read models and the rules ask of it. `evolve` (in
domain.participant.evolve) is the only way it changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_serializer

from domain.errors import NotEnrolled
from domain.instants import UtcDatetime
from domain.intervention.outcomes import InterventionCase
from domain.participant.events import (
    BreakStarted,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    ProgrammeVersionChanged,
)
from domain.participant.feedback_answers import CareFeedback, FeedbackAnswer
from domain.participant.standing import Standing
from domain.participant.work import ProgressReview, ReviewAction, WorkRecord
from domain.programme.definition import Programme, get_programme
from domain.programme.management_time import Timesheet, latest_share, shortfall_streak
from domain.programme.outplacements import OutplacementKind
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.programme.tasks import Decision, Task, TaskStatus, attempt_number
from domain.rag import RagChange, RagStatus
from domain.roles import Role
from domain.support import SupportArrangements


class PhaseRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    started_at: UtcDatetime
    earliest_end: UtcDatetime
    completed_at: UtcDatetime | None = None
    # Breaks in learning taken in the phase: its own timetable runs this much later.
    paused: timedelta = timedelta(0)


class OutplacementStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"


class OutplacementState(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    kind: OutplacementKind
    status: OutplacementStatus = OutplacementStatus.PLANNED
    started_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    ended_at: UtcDatetime | None = None


class SupportSession(BaseModel):
    """A coaching or mentoring session as the state keeps it: without its notes, which
    only the participant and the author read, from the event store."""

    model_config = ConfigDict(frozen=True)

    number: int
    kind: SessionKind
    held_on: date
    minutes: int
    themes: tuple[SessionTheme, ...]
    recorded_by: str
    recorded_at: UtcDatetime
    has_notes: bool


class Delegation(BaseModel):
    """`from_person`'s tasks on this participant may be decided by `to_person` from
    `starts_at` until (not including) `until`."""

    model_config = ConfigDict(frozen=True)

    delegation_id: int
    from_person: str
    to_person: str
    starts_at: UtcDatetime
    until: UtcDatetime
    granted_by: str
    ended: bool = False

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.until


class ParticipantSummary(BaseModel):
    """What a progress query or projection shows about one participant."""

    model_config = ConfigDict(frozen=True)

    participant_id: str
    cohort_id: str | None
    status: ParticipantStatus | None
    phase: Phase | None
    phase_title: str | None
    phase_started_at: UtcDatetime | None
    phase_earliest_end: UtcDatetime | None
    programme_start: UtcDatetime | None
    expected_end: UtcDatetime | None
    rag: RagStatus
    rag_reason: str | None
    rag_history: tuple[RagChange, ...]
    home_id: str | None
    suspended: bool
    open_interventions: tuple[InterventionCase, ...]
    management_share: float | None
    open_tasks: tuple[Task, ...]
    sign_offs_done: tuple[str, ...]
    sign_offs_needed: tuple[str, ...]
    next_due: UtcDatetime | None
    completed_at: UtcDatetime | None
    version: int


class ParticipantState(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    enrolment: ParticipantEnrolled | None = None
    status: ParticipantStatus | None = None  # None until enrolled
    expected_end: UtcDatetime | None = None
    phase_history: tuple[PhaseRecord, ...] = ()
    tasks: dict[str, Task] = {}
    outplacements: dict[int, OutplacementState] = {}
    rag: RagStatus = RagStatus.GREEN
    rag_history: tuple[RagChange, ...] = ()
    next_progress_review_number: int = 1
    delegations: tuple[Delegation, ...] = ()
    completed_at: UtcDatetime | None = None
    # Interventions: the cases, how many concerns were raised, and which of the
    # timetable's own triggers have fired (each fires once).
    interventions: dict[int, InterventionCase] = {}
    concerns_raised: int = 0
    triggers_fired: frozenset[str] = frozenset()
    suspended: bool = False  # from unsupervised care, after a safeguarding concern
    current_break: BreakStarted | None = None
    time_out: timedelta = timedelta(0)  # breaks in learning taken, in all
    back_from_break_at: UtcDatetime | None = None  # the latest return
    # A move to a new home replaces the enrolment's home and the people there.
    placement_home: str | None = None
    placement_support: SupportArrangements | None = None
    withdrawal: ParticipantWithdrawn | None = None
    timesheets: dict[str, Timesheet] = {}
    programme_changes: tuple[ProgrammeVersionChanged, ...] = ()  # by ops, oldest first
    # The work behind the sign-offs (programmes with work on record): by sign-off key.
    work: dict[str, WorkRecord] = {}
    reviews: dict[int, ProgressReview] = {}  # progress reviews' forms, by number
    support_sessions: tuple[SupportSession, ...] = ()  # coaching and mentoring, in order
    # Ratings, surveys and LQF assessments answered, and feedback from people receiving
    # care: scores only (comments stay in the event store).
    feedback: tuple[FeedbackAnswer, ...] = ()
    care_feedback: tuple[CareFeedback, ...] = ()
    # The latest instant any event happened at: rules never date a new event before it.
    as_of: UtcDatetime | None = None
    version: int = 0  # events applied: the event-store stream version

    @field_serializer("triggers_fired")
    def _in_order(self, triggers: frozenset[str]) -> list[str]:
        # A set's order differs from one process to the next: sorted, the stored state of
        # a rebuilt read model is the same JSON as the one the appends kept.
        return sorted(triggers)

    # --- what enrolment fixed -------------------------------------------------------
    def enrolled(self) -> ParticipantEnrolled:
        if self.enrolment is None:
            raise NotEnrolled(f"participant {self.participant_id} is not enrolled")
        return self.enrolment

    @property
    def cohort_id(self) -> str | None:
        return self.enrolment.cohort_id if self.enrolment else None

    @property
    def programme_version(self) -> str | None:
        """The version followed now: the enrolment's, or the latest ops moved them to."""
        if self.programme_changes:
            return self.programme_changes[-1].to_version
        return self.enrolment.programme_version if self.enrolment else None

    @property
    def time_scale(self) -> float:
        return self.enrolment.time_scale if self.enrolment else 1.0

    @property
    def home_id(self) -> str | None:
        if self.placement_home is not None:
            return self.placement_home
        return self.enrolment.home_id if self.enrolment else None

    @property
    def support(self) -> SupportArrangements | None:
        if self.placement_support is not None:
            return self.placement_support
        return self.enrolment.support if self.enrolment else None

    @property
    def programme_start(self) -> datetime | None:
        return self.enrolment.programme_start if self.enrolment else None

    @property
    def programme(self) -> Programme:
        self.enrolled()
        version = self.programme_version
        assert version is not None  # enrolled
        return get_programme(version)

    def supporters(self) -> SupportArrangements:
        """The people around the participant now (a move to a new home changes them)."""
        return self.placement_support or self.enrolled().support

    def person_for(self, role: Role) -> str:
        return self.supporters().person_for(role, self.participant_id)

    def people_on_record(self) -> set[str]:
        """Everyone the record names: the participant, the people around them, whoever
        holds or decided a task, deputies, and the owners of intervention cases."""
        people = {self.participant_id}
        support = self.support
        if support is not None:
            people |= support.role_holders() | set(support.course_partners)
        for task in self.tasks.values():
            people.add(task.assignee)
            if task.decision is not None:
                people.add(task.decision.decided_by)
                if task.decision.on_behalf_of:
                    people.add(task.decision.on_behalf_of)
        people |= {d.to_person for d in self.delegations}
        people |= {case.assignee for case in self.interventions.values()}
        people |= {session.recorded_by for session in self.support_sessions}
        return people

    @property
    def delegators(self) -> frozenset[str]:
        """Whose delegation must be granted on this participant to cover their tasks here:
        whoever holds one of their open tasks, and while they are active everyone around
        them now (a task for any of them may open while they are away)."""
        holders = frozenset(task.assignee for task in self.open_tasks)
        return holders | self.supporters().role_holders() if self.is_active else holders

    def holds_role(self, person: str, roles: Iterable[Role]) -> bool:
        return any(self.person_for(role) == person for role in roles)

    def delegate_of(self, person: str, at: datetime) -> str | None:
        """Who decides for `person` at `at`, if they have delegated (the latest grant wins)."""
        covering = [d for d in self.delegations if d.from_person == person and d.covers(at)]
        return covering[-1].to_person if covering else None

    # --- where they are -------------------------------------------------------------
    @property
    def current_phase(self) -> PhaseRecord | None:
        return self.phase_history[-1] if self.phase_history else None

    @property
    def phase(self) -> Phase | None:
        return self.phase_history[-1].phase if self.phase_history else None

    @property
    def phase_started_at(self) -> datetime | None:
        return self.phase_history[-1].started_at if self.phase_history else None

    @property
    def phase_earliest_end(self) -> datetime | None:
        return self.phase_history[-1].earliest_end if self.phase_history else None

    @property
    def is_active(self) -> bool:
        return self.status == ParticipantStatus.ACTIVE

    @property
    def has_left(self) -> bool:
        return self.status is not None and self.status.has_left

    @property
    def standing(self) -> Standing:
        return Standing(status=self.status, phase=self.phase, rag=self.rag)

    # --- interventions and management time ------------------------------------------
    @property
    def open_case(self) -> InterventionCase | None:
        return next((case for case in self.interventions.values() if case.is_open), None)

    @property
    def open_interventions(self) -> tuple[InterventionCase, ...]:
        return tuple(case for case in self.interventions.values() if case.is_open)

    def _phase_timesheets(self) -> list[Timesheet]:
        return [sheet for sheet in self.timesheets.values() if sheet.phase == self.phase]

    @property
    def management_target(self) -> float:
        phase = self.phase
        return self.programme.phase(phase).management_share if phase is not None else 0.0

    @property
    def management_share(self) -> float | None:
        """The share off the floor over the latest window of this phase, if recorded."""
        return latest_share(self._phase_timesheets())

    @property
    def management_shortfall(self) -> int:
        """Windows in a row, up to the latest week, short of the phase's target."""
        if self.management_target == 0.0:
            return 0
        return shortfall_streak(self._phase_timesheets(), self.management_target)

    @property
    def open_tasks(self) -> tuple[Task, ...]:
        """Open tasks, the most urgent first."""
        return tuple(
            sorted(
                (task for task in self.tasks.values() if task.is_open),
                key=lambda task: (task.due_at, task.task_id),
            )
        )

    @property
    def next_due(self) -> datetime | None:
        return min((task.due_at for task in self.open_tasks), default=None)

    @property
    def open_sign_offs(self) -> tuple[Task, ...]:
        """Open tasks but feedback, most urgent first: what an overdue RAG status counts
        (feedback never holds the programme back)."""
        return tuple(task for task in self.open_tasks if not task.is_feedback)

    def attempts_of(self, key: str) -> tuple[Task, ...]:
        """Every attempt of the task `key`, the first first."""
        return tuple(
            sorted(
                (task for task in self.tasks.values() if task.key == key),
                key=lambda task: attempt_number(task.task_id),
            )
        )

    def work_on(self, key: str) -> WorkRecord:
        return self.work.get(key) or WorkRecord(key=key)

    def open_actions(self, before_review: int) -> tuple[ReviewAction, ...]:
        """Actions agreed at fully signed reviews before `before_review`, not yet recorded
        as done by a fully signed review."""
        signed = [
            review.form
            for number, review in sorted(self.reviews.items())
            if number < before_review and review.fully_signed and review.form is not None
        ]
        done = {number for form in signed for number in form.actions_completed}
        return tuple(a for form in signed for a in form.actions if a.number not in done)

    def approval_of(self, key: str) -> Decision | None:
        """The approving decision on any attempt of the task `key`, if there is one."""
        return next(
            (
                task.decision
                for task in self.tasks.values()
                if task.key == key and task.status == TaskStatus.APPROVED
            ),
            None,
        )

    def _requirements(self) -> tuple[str, ...]:
        phase = self.phase
        return self.programme.requirements_for(phase) if phase is not None else ()

    @property
    def sign_offs_done(self) -> tuple[str, ...]:
        """Approved requirements of the current phase (sign-offs and outplacement reports)."""
        return tuple(key for key in self._requirements() if self.approval_of(key))

    @property
    def sign_offs_needed(self) -> tuple[str, ...]:
        return tuple(key for key in self._requirements() if not self.approval_of(key))

    def summary(self) -> ParticipantSummary:
        phase = self.phase
        return ParticipantSummary(
            participant_id=self.participant_id,
            cohort_id=self.cohort_id,
            status=self.status,
            phase=phase,
            phase_title=self.programme.phase(phase).title if phase is not None else None,
            phase_started_at=self.phase_started_at,
            phase_earliest_end=self.phase_earliest_end,
            programme_start=self.programme_start,
            expected_end=self.expected_end,
            rag=self.rag,
            rag_reason=self.rag_history[-1].reason if self.rag_history else None,
            rag_history=self.rag_history,
            home_id=self.home_id,
            suspended=self.suspended,
            open_interventions=self.open_interventions,
            management_share=self.management_share,
            open_tasks=self.open_tasks,
            sign_offs_done=self.sign_offs_done,
            sign_offs_needed=self.sign_offs_needed,
            next_due=self.next_due,
            completed_at=self.completed_at,
            version=self.version,
        )


def initial_state(participant_id: str) -> ParticipantState:
    """A participant nobody has enrolled yet (stream version 0)."""
    return ParticipantState(participant_id=participant_id)
