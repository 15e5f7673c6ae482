"""The task policy table: for each kind of task, who may decide it, the outcomes it
allows and what each does, when it falls due, and how it is chased (reminders, then
escalation). One place, so a task's due date and its timers cannot drift apart: the
opener asks `due_at` here, and the timeline asks `reminder_at`/`escalation_at` here.

Durations are nominal programme time; the participant's time scale shrinks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.intervention.outcomes import REVIEW_MEETING_WORKING_DAYS, add_working_days
from domain.programme.tasks import (
    FEEDBACK_KINDS,
    OUTCOME_RULES,
    Outcome,
    OutcomeRule,
    Task,
    TaskKind,
    TaskStatus,
)
from domain.roles import Role
from domain.timescale import scaled


class EscalationStep(BaseModel):
    """Tell `to_role` once the task has been overdue for `after_overdue`."""

    model_config = ConfigDict(frozen=True)

    after_overdue: timedelta
    to_role: Role


class ReminderPolicy(BaseModel):
    """Reminders to whoever holds the task: the first one a while after it opened, or a
    while before it is due (exactly one of the two), then every `repeat_every`, at most
    `max_reminders` in all. After that escalation takes over."""

    model_config = ConfigDict(frozen=True)

    first_after_opening: timedelta | None = None
    first_before_due: timedelta | None = None
    repeat_every: timedelta
    max_reminders: int = Field(ge=0)

    @model_validator(mode="after")
    def _one_anchor(self) -> ReminderPolicy:
        if (self.first_after_opening is None) == (self.first_before_due is None):
            raise ValueError("give exactly one of first_after_opening and first_before_due")
        return self


class TaskPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: TaskKind
    # None: due when the phase may end at the earliest (a sign-off); else after opening.
    due_within: timedelta | None
    # Instead of due_within: this many working days (Monday to Friday) after opening.
    due_within_working_days: int | None = None
    # Besides the assignee (and their delegates), whoever holds one of these roles for
    # the participant may decide. Empty: the assignee's signature and nobody else's.
    also_decided_by: frozenset[Role] = frozenset()
    outcomes: Mapping[Outcome, OutcomeRule]
    # A rejected or sent-back task gets at least this long for its next attempt.
    resubmission_within: timedelta = timedelta(weeks=2)
    # Several tasks of this kind in one phase are separate signatures: nobody may sign
    # two of them (RM readiness: the Development Lead AND the Registered Manager).
    distinct_signers: bool = False
    # The participant's own work (evidence, a report): it closes when they hand the work
    # in (domain.participant.evidence), never by a decision.
    handed_in: bool = False
    reminders: ReminderPolicy
    escalations: tuple[EscalationStep, ...]

    def rule(self, outcome: Outcome) -> OutcomeRule:
        return self.outcomes[outcome]

    def allows(self, outcome: Outcome) -> bool:
        return outcome in self.outcomes


# --- the table ---------------------------------------------------------------------------

_ASK_AGAIN = OutcomeRule(closes_as=TaskStatus.SENT_BACK, needs_comment=True, asks_again=True)
_HANDED_IN: Mapping[Outcome, OutcomeRule] = MappingProxyType(
    {
        Outcome.SUBMITTED: OutcomeRule(
            closes_as=TaskStatus.SUBMITTED, needs_comment=False, asks_again=False
        )
    }
)

_KIND_OUTCOMES: Mapping[TaskKind, Mapping[Outcome, OutcomeRule]] = {
    TaskKind.DIPLOMA_RESULT: {
        Outcome.PASS: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=False, asks_again=False
        ),
        # Referred: the participant resubmits; the assessor says what is missing.
        Outcome.REFER: _ASK_AGAIN.model_copy(update={"asks_again_within": timedelta(weeks=8)}),
    },
    TaskKind.RM_READINESS: {
        Outcome.READY: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=False, asks_again=False
        ),
        # Not yet: readiness is extended and asked again; the comment says what to work on.
        Outcome.NOT_YET: _ASK_AGAIN.model_copy(update={"asks_again_within": timedelta(weeks=12)}),
        # Another destination than RM: on record, not asked again; the phase cannot end by
        # readiness, so ops takes the participant off the RM route.
        Outcome.OTHER_DESTINATION: OutcomeRule(
            closes_as=TaskStatus.REJECTED, needs_comment=True, asks_again=False
        ),
    },
    TaskKind.PROGRESS_REVIEW: {
        Outcome.ON_TRACK: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=False, asks_again=False
        ),
        # The review happened; the concerns must be written down to be acted on.
        Outcome.CONCERNS: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=True, asks_again=False
        ),
    },
    TaskKind.SUPPORT_PLAN_REVIEW: {
        Outcome.ON_TRACK: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=False, asks_again=False
        ),
        Outcome.CONCERNS: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=True, asks_again=False
        ),
    },
    # The review meeting of an intervention: held, and its note is the record.
    TaskKind.INTERVENTION_REVIEW: {
        Outcome.HELD: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=True, asks_again=False
        ),
    },
}

# Sign-offs due at the phase's end: reminders in the two weeks before, weekly.
_BEFORE_PHASE_END = ReminderPolicy(
    first_before_due=timedelta(weeks=2), repeat_every=timedelta(weeks=1), max_reminders=3
)
# Short tasks (due two weeks after opening): a reminder after each week.
_WEEKLY = ReminderPolicy(
    first_after_opening=timedelta(weeks=1), repeat_every=timedelta(weeks=1), max_reminders=2
)
# The Development Lead first, then ops. A step to the task's own role is skipped.
_TO_LEAD_THEN_OPS = (
    EscalationStep(after_overdue=timedelta(days=7), to_role=Role.DEVELOPMENT_LEAD),
    EscalationStep(after_overdue=timedelta(days=14), to_role=Role.OPS),
)


def _policy(
    kind: TaskKind,
    *,
    due_within: timedelta | None = None,
    due_within_working_days: int | None = None,
    also_decided_by: frozenset[Role] = frozenset(),
    reminders: ReminderPolicy = _BEFORE_PHASE_END,
    escalations: tuple[EscalationStep, ...] = _TO_LEAD_THEN_OPS,
    distinct_signers: bool = False,
    handed_in: bool = False,
) -> TaskPolicy:
    return TaskPolicy(
        kind=kind,
        due_within=due_within,
        due_within_working_days=due_within_working_days,
        also_decided_by=also_decided_by,
        outcomes=_HANDED_IN
        if handed_in
        else MappingProxyType({**OUTCOME_RULES, **_KIND_OUTCOMES.get(kind, {})}),
        distinct_signers=distinct_signers,
        handed_in=handed_in,
        reminders=reminders,
        escalations=escalations,
    )


TASK_POLICIES: Mapping[TaskKind, TaskPolicy] = MappingProxyType(
    {
        policy.kind: policy
        for policy in (
            # Ops clears the checks; an overdue one holds the whole start, so the
            # Development Lead hears of it.
            _policy(TaskKind.PRE_START_CHECKS),
            _policy(TaskKind.INSTITUTE_COMPLETION),
            _policy(
                TaskKind.CARE_CERTIFICATE_STANDARD,
                reminders=ReminderPolicy(
                    first_before_due=timedelta(weeks=4),
                    repeat_every=timedelta(weeks=2),
                    max_reminders=3,
                ),
            ),
            # The employer mentor knows the placement as well as the home's manager.
            _policy(
                TaskKind.PLACEMENT_REVIEW,
                also_decided_by=frozenset({Role.EMPLOYER_MENTOR}),
            ),
            _policy(TaskKind.PROGRESS_REVIEW, due_within=timedelta(weeks=2), reminders=_WEEKLY),
            _policy(TaskKind.OUTPLACEMENT_REPORT, due_within=timedelta(weeks=2), reminders=_WEEKLY),
            # The participant's own work: two weeks to write a report or hand evidence in
            # again, chased weekly, then the Development Lead and ops hear of it.
            _policy(
                TaskKind.OUTPLACEMENT_REPORT_WRITING,
                due_within=timedelta(weeks=2),
                reminders=_WEEKLY,
                handed_in=True,
            ),
            _policy(
                TaskKind.CARE_CERTIFICATE_EVIDENCE,
                due_within=timedelta(weeks=2),
                reminders=_WEEKLY,
                handed_in=True,
            ),
            # Feedback (ratings, surveys, LQF assessments): three weeks, reminded weekly,
            # never escalated; unanswered it lapses (domain.programme.feedback).
            *(
                _policy(
                    kind,
                    due_within=timedelta(weeks=3),
                    reminders=_WEEKLY,
                    escalations=(),
                    handed_in=True,
                )
                for kind in sorted(FEEDBACK_KINDS)
            ),
            # Results come from the awarding body's timetable: chase earlier, escalate later.
            _policy(
                TaskKind.DIPLOMA_RESULT,
                reminders=ReminderPolicy(
                    first_before_due=timedelta(weeks=4),
                    repeat_every=timedelta(weeks=2),
                    max_reminders=3,
                ),
                escalations=(
                    EscalationStep(after_overdue=timedelta(days=14), to_role=Role.DEVELOPMENT_LEAD),
                    EscalationStep(after_overdue=timedelta(days=28), to_role=Role.OPS),
                ),
            ),
            _policy(TaskKind.PHASE_REVIEW),
            # Two signatures, each only by its own signer: no role may stand in for another.
            _policy(TaskKind.RM_READINESS, distinct_signers=True),
            _policy(TaskKind.FIT_AND_PROPER),
            # The Development Lead meets the participant and those concerned; ops may
            # hold the meeting in their place, and hears when it is late.
            _policy(
                TaskKind.INTERVENTION_REVIEW,
                due_within_working_days=REVIEW_MEETING_WORKING_DAYS,
                also_decided_by=frozenset({Role.OPS}),
                reminders=ReminderPolicy(
                    first_before_due=timedelta(days=4),
                    repeat_every=timedelta(days=2),
                    max_reminders=2,
                ),
                escalations=(EscalationStep(after_overdue=timedelta(days=2), to_role=Role.OPS),),
            ),
            # Opened with the support plan, due on the plan's review date.
            _policy(
                TaskKind.SUPPORT_PLAN_REVIEW,
                due_within=timedelta(weeks=2),
                reminders=ReminderPolicy(
                    first_before_due=timedelta(weeks=1),
                    repeat_every=timedelta(weeks=1),
                    max_reminders=2,
                ),
            ),
        )
    }
)


def policy_for(kind: TaskKind) -> TaskPolicy:
    return TASK_POLICIES[kind]


# --- the instants the policy fixes ------------------------------------------------------


def due_at(kind: TaskKind, opened_at: datetime, phase_end: datetime, time_scale: float) -> datetime:
    """When a task of `kind` opened at `opened_at` falls due."""
    policy = policy_for(kind)
    if policy.due_within_working_days is not None:
        day = opened_at.date()
        span = add_working_days(day, policy.due_within_working_days) - day
        return opened_at + scaled(span, time_scale)
    within = policy.due_within
    return phase_end if within is None else opened_at + scaled(within, time_scale)


def resubmission_due_at(task: Task, outcome: Outcome, now: datetime, time_scale: float) -> datetime:
    """The next attempt keeps the original due date unless that leaves less than the
    outcome's (or the kind's) resubmission window."""
    policy = policy_for(task.kind)
    window = policy.rule(outcome).asks_again_within or policy.resubmission_within
    return max(task.due_at, now + scaled(window, time_scale))


def reminder_at(task: Task, number: int, time_scale: float) -> datetime | None:
    """When reminder `number` (from 1) of `task` is due; None past the policy's last."""
    reminders = policy_for(task.kind).reminders
    if number > reminders.max_reminders:
        return None
    if reminders.first_after_opening is not None:
        first = task.opened_at + scaled(reminders.first_after_opening, time_scale)
    else:
        assert reminders.first_before_due is not None
        first = max(task.opened_at, task.due_at - scaled(reminders.first_before_due, time_scale))
    return first + (number - 1) * scaled(reminders.repeat_every, time_scale)


def escalation_steps(task: Task) -> tuple[EscalationStep, ...]:
    """The task's escalation ladder: the kind's steps, less any to the task's own role."""
    return tuple(step for step in policy_for(task.kind).escalations if step.to_role != task.role)


def escalation_at(task: Task, level: int, time_scale: float) -> tuple[datetime, Role] | None:
    """When escalation `level` (from 1) of `task` is due, and to whom; None past the last."""
    steps = escalation_steps(task)
    if level > len(steps):
        return None
    step = steps[level - 1]
    return task.due_at + scaled(step.after_overdue, time_scale), step.to_role
