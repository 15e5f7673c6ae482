"""The simulated people of a rehearsal: when each task is answered, by whom, and how.

Every choice comes from a random.Random seeded by the policy's seed, the participant and
the task, never from the order tasks are seen in, so the same seed makes the same choices
however the live stack interleaves them. The answers are the commands the console sends:
the participant's work behind a sign-off first where the programme keeps it on record,
then the assignee's decision (or, for a share of first attempts, a send-back with a
reason); a share of answers is first tried by someone the rules refuse.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime
from domain.intervention.outcomes import (
    BreakInLearning,
    ConcernKind,
    ContinueWithSupportPlan,
    InterventionOutcome,
    Severity,
    Withdraw,
    WithdrawalDestination,
)
from domain.participant.commands import (
    AddEvidence,
    DecideTask,
    DraftReview,
    GiveFeedback,
    ParticipantCommand,
    RaiseConcern,
    SignReview,
    SubmitEvidence,
    SubmitReport,
)
from domain.participant.evidence import with_reviewer, work_on_record
from domain.participant.feedback import form_of
from domain.participant.reviews import signed_review
from domain.participant.state import ParticipantState
from domain.participant.work import EvidenceKind
from domain.programme.task_policy import policy_for
from domain.programme.tasks import Outcome, Task, TaskKind, attempt_number
from domain.rehearsal.policy import Incident, IncidentKind, RehearsalPolicy
from domain.roles import Role
from domain.timescale import scaled

# A missed review is answered this long after it was due: past the two weeks after which
# the timetable raises a concern about it.
MISSED_REVIEW_LATENESS = timedelta(weeks=3)
BREAK_WEEKS = 4
SUPPORT_PLAN_WEEKS = 4


class PlannedAnswer(BaseModel):
    """How one task will be answered: when (on the cohort's clock), whether someone the
    rules refuse tries first, and the commands that answer it."""

    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    refused_first_by: str | None
    commands: tuple[ParticipantCommand, ...]


def plan_answer(
    state: ParticipantState, task: Task, policy: RehearsalPolicy, missed: bool = False
) -> PlannedAnswer:
    """`missed`: the task is a progress review the policy has go unanswered for now."""
    draw = random.Random(f"{policy.seed}/{state.participant_id}/{task.task_id}")
    timing = policy.answer
    late, late_by, share = draw.random(), draw.uniform(0, timing.max_days_late), draw.random()
    sends_back, refused = draw.random() < policy.send_back_rate, draw.random() < policy.refusal_rate

    def on_clock(days: float) -> timedelta:
        return scaled(timedelta(days=days), state.time_scale)

    if missed:
        at = task.due_at + scaled(MISSED_REVIEW_LATENESS, state.time_scale)
    elif late < timing.late_rate:
        at = task.due_at + on_clock(late_by)
    else:
        at = task.opened_at + max(task.due_at - task.opened_at, timedelta(0)) * share
    commands = (
        [_sent_back(task)]
        if sends_back and _may_send_back(state, task)
        else work_and_answer(state, task)
    )
    outsider = state.participant_id if task.assignee != state.participant_id else None
    return PlannedAnswer(
        at=at,
        refused_first_by=outsider if refused and isinstance(commands[-1], DecideTask) else None,
        commands=tuple(commands),
    )


def _may_send_back(state: ParticipantState, task: Task) -> bool:
    """Only a first attempt, and only where nobody's work has to be handed in again."""
    return (
        attempt_number(task.task_id) == 1
        and not task.is_feedback
        and task.kind is not TaskKind.INTERVENTION_REVIEW
        and not policy_for(task.kind).handed_in
        and not signed_review(state, task)
        and not work_on_record(state, task)
    )


def _sent_back(task: Task) -> DecideTask:
    return DecideTask(
        task_id=task.task_id,
        decided_by=task.assignee,
        outcome=Outcome.SEND_BACK,
        comment="Not enough yet: please add to it and ask again",
    )


def work_and_answer(state: ParticipantState, task: Task) -> list[ParticipantCommand]:
    """What answers `task` as the people around the participant would: approval by its
    assignee, after the participant hands in the work behind it where the programme keeps
    that on record, and a review form filled in and signed by all three."""
    pid = state.participant_id
    if task.is_feedback:
        return [feedback_for(task)]
    if task.kind == TaskKind.OUTPLACEMENT_REPORT_WRITING:
        number = int(task.key.split(".")[1])
        return [SubmitReport(by=pid, outplacement=number, text="What I learnt, and how it applies")]
    if signed_review(state, task):
        number = int(task.key.split(".")[1])
        draft = DraftReview(
            by=task.assignee, review=number, progress="Steady progress", wellbeing="Well"
        )
        signers = [pid, state.person_for(Role.REGISTERED_MANAGER), task.assignee]
        # What is on record already (an earlier attempt got that far) is not done again.
        review = state.reviews.get(number)
        drafted = review is not None and review.form is not None and review.returned is None
        signed = {s.signed_by for s in review.current_signatures} if review else set()
        return [
            *([] if drafted else [draft]),
            *(SignReview(by=person, review=number) for person in signers if person not in signed),
        ]
    commands: list[ParticipantCommand] = []
    if work_on_record(state, task) and with_reviewer(state, task.key) is None:
        standard = int(task.key.split(".")[1])
        commands += [
            AddEvidence(by=pid, standard=standard, kind=EvidenceKind.KNOWLEDGE, text="Workbook"),
            SubmitEvidence(by=pid, standard=standard),
        ]
    approve = DecideTask(task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE)
    return [*commands, approve]


def feedback_for(
    task: Task, score: int = 4, host: str = "Anytown safeguarding team"
) -> GiveFeedback:
    """An answer to a feedback task from its assignee: `score` to every question (an
    outplacement's rating names its host)."""
    return GiveFeedback(
        by=task.assignee,
        task_id=task.task_id,
        scores={key: score for key in form_of(task).question_keys()},
        comment="Kept in the record only",
        host_name=host if ".outplacement_" in task.task_id else None,
    )


def concern_for(state: ParticipantState, incident: Incident) -> RaiseConcern | None:
    """The concern an incident starts with; None for a missed review, which the timetable
    raises itself."""
    match incident.kind:
        case IncidentKind.PLACEMENT_BREAKDOWN:
            return RaiseConcern(
                by=state.person_for(Role.REGISTERED_MANAGER),
                kind=ConcernKind.PLACEMENT_BREAKDOWN,
                severity=Severity.HIGH,
                reason="The placement has broken down",
            )
        case IncidentKind.WITHDRAWAL:
            return RaiseConcern(
                by=state.person_for(Role.DEVELOPMENT_LEAD),
                reason="The participant wishes to leave the scheme",
            )
        case IncidentKind.BREAK_IN_LEARNING:
            return RaiseConcern(
                by=state.person_for(Role.DEVELOPMENT_LEAD),
                reason="The participant needs a break in learning",
            )
        case IncidentKind.MISSED_REVIEW:
            return None


def case_outcome(incident: IncidentKind | None) -> InterventionOutcome:
    """The Development Lead's outcome for a case the incident opened (None: a case the
    timetable opened): withdrawal, a break, or a support plan."""
    if incident is IncidentKind.WITHDRAWAL:
        return Withdraw(
            reason="Left the scheme", destination=WithdrawalDestination.OTHER_SOCIAL_CARE_ROLE
        )
    if incident is IncidentKind.BREAK_IN_LEARNING:
        return BreakInLearning(weeks=BREAK_WEEKS)
    return ContinueWithSupportPlan(
        plan="Fortnightly check-ins with the Development Lead",
        review_after_weeks=SUPPORT_PLAN_WEEKS,
    )


def incident_at(start: datetime, incident: Incident, time_scale: float) -> datetime:
    """When an incident happens on the cohort's clock: its week after the start date."""
    return start + scaled(timedelta(weeks=incident.week), time_scale)
