"""Tasks: the questions the scheme puts to a person (a sign-off, a review, a report), and
the outcomes an answer can have. Who may answer each kind, with which outcomes, and when
it is due and chased is the policy table in domain.programme.task_policy.

Task ids are readable and deterministic: the sign-off key ("care_certificate.3"), or a
kind and number ("progress_review.4"). A task that is rejected or sent back is closed and
asked again as a new attempt, "care_certificate.3~2", so every answer stays on record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime
from domain.programme.phases import Phase
from domain.roles import Role

ATTEMPT_SEPARATOR = "~"


class TaskKind(StrEnum):
    PRE_START_CHECKS = "pre_start_checks"
    INSTITUTE_COMPLETION = "institute_completion"
    CARE_CERTIFICATE_STANDARD = "care_certificate_standard"
    PLACEMENT_REVIEW = "placement_review"
    PROGRESS_REVIEW = "progress_review"
    OUTPLACEMENT_REPORT = "outplacement_report"
    DIPLOMA_RESULT = "diploma_result"
    PHASE_REVIEW = "phase_review"
    RM_READINESS = "rm_readiness"
    FIT_AND_PROPER = "fit_and_proper"
    INTERVENTION_REVIEW = "intervention_review"  # the review meeting of an intervention
    SUPPORT_PLAN_REVIEW = "support_plan_review"
    # The participant's own work, done by handing it in (domain.participant.evidence):
    CARE_CERTIFICATE_EVIDENCE = "care_certificate_evidence"  # evidence sent back: again
    OUTPLACEMENT_REPORT_WRITING = "outplacement_report_writing"  # write the report
    # Feedback for the scheme's success measures, answered with a form
    # (domain.programme.feedback); never a sign-off:
    PLACEMENT_RATING = "placement_rating"
    SURVEY = "survey"
    LQF_ASSESSMENT = "lqf_assessment"


FEEDBACK_KINDS = frozenset({TaskKind.PLACEMENT_RATING, TaskKind.SURVEY, TaskKind.LQF_ASSESSMENT})


class TaskStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"
    CANCELLED = "cancelled"  # nobody need answer: the participant withdrew
    SUBMITTED = "submitted"  # the participant handed their work in


class Outcome(StrEnum):
    """Every answer a task may get. Approve, reject and send back apply to every kind; the
    rest belong to particular kinds (domain.programme.task_policy says which)."""

    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"
    PASS = "pass"  # diploma results
    REFER = "refer"  # diploma results: resubmit
    READY = "ready"  # RM readiness
    NOT_YET = "not_yet"  # RM readiness: extend
    OTHER_DESTINATION = "other_destination"  # RM readiness: leaves the RM route
    ON_TRACK = "on_track"  # progress reviews
    CONCERNS = "concerns"  # progress reviews
    HELD = "held"  # intervention review meetings: the comment is the meeting's note
    SUBMITTED = "submitted"  # the participant's own work, handed in (never a decision)

    @property
    def in_words(self) -> str:
        """What the answer did, as the record says it: "approved", "sent back"."""
        return _OUTCOME_WORDS[self]


_OUTCOME_WORDS = {
    Outcome.APPROVE: "approved",
    Outcome.REJECT: "rejected",
    Outcome.SEND_BACK: "sent back",
    Outcome.PASS: "passed",
    Outcome.REFER: "referred",
    Outcome.READY: "judged ready",
    Outcome.NOT_YET: "judged not yet ready",
    Outcome.OTHER_DESTINATION: "judged bound for another destination",
    Outcome.ON_TRACK: "found on track",
    Outcome.CONCERNS: "found with concerns",
    Outcome.HELD: "held",
    Outcome.SUBMITTED: "submitted",
}


class OutcomeRule(BaseModel):
    """What one outcome does to a task: how it closes, whether the question is asked again
    (a new attempt), and whether the answer needs a comment to be actionable."""

    model_config = ConfigDict(frozen=True)

    closes_as: TaskStatus
    needs_comment: bool
    asks_again: bool  # a new attempt of the same task is opened
    # How long the new attempt gets at least; None: the kind's resubmission window.
    asks_again_within: timedelta | None = None


# The outcomes every kind allows. Kind-specific outcomes are in domain.programme.task_policy.
OUTCOME_RULES: Mapping[Outcome, OutcomeRule] = MappingProxyType(
    {
        Outcome.APPROVE: OutcomeRule(
            closes_as=TaskStatus.APPROVED, needs_comment=False, asks_again=False
        ),
        # A refusal without a reason leaves the participant nothing to act on.
        Outcome.REJECT: OutcomeRule(
            closes_as=TaskStatus.REJECTED, needs_comment=True, asks_again=True
        ),
        Outcome.SEND_BACK: OutcomeRule(
            closes_as=TaskStatus.SENT_BACK, needs_comment=True, asks_again=True
        ),
    }
)


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    decided_by: str
    outcome: Outcome
    comment: str | None
    decided_at: UtcDatetime
    # The person whose authority a delegate used; None when they decided in their own right.
    on_behalf_of: str | None = None


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    kind: TaskKind
    title: str
    phase: Phase | None
    role: Role
    assignee: str
    opened_at: UtcDatetime
    due_at: UtcDatetime
    status: TaskStatus = TaskStatus.OPEN
    decision: Decision | None = None
    reminders_sent: int = 0
    escalation_level: int = 0  # escalations sent so far

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def is_feedback(self) -> bool:
        """Asked for the success measures: never holds the programme back."""
        return self.kind in FEEDBACK_KINDS

    @property
    def key(self) -> str:
        """The task id without its attempt number: the sign-off it answers."""
        return task_key(self.task_id)

    def is_overdue(self, now: datetime) -> bool:
        """Open at or past its due instant."""
        return self.is_open and now >= self.due_at

    def decided(self, decision: Decision, closes_as: TaskStatus) -> Task:
        return self.model_copy(update={"status": closes_as, "decision": decision})


def task_key(task_id: str) -> str:
    return task_id.split(ATTEMPT_SEPARATOR, 1)[0]


def attempt_number(task_id: str) -> int:
    """'care_certificate.3' -> 1, 'care_certificate.3~2' -> 2."""
    _, _, attempt = task_id.partition(ATTEMPT_SEPARATOR)
    return int(attempt or 1)


def next_attempt_id(task_id: str) -> str:
    """'care_certificate.3' -> 'care_certificate.3~2' -> 'care_certificate.3~3'."""
    key, _, attempt = task_id.partition(ATTEMPT_SEPARATOR)
    return f"{key}{ATTEMPT_SEPARATOR}{int(attempt or 1) + 1}"


def care_certificate_id(standard: int) -> str:
    return f"care_certificate.{standard}"


def outplacement_report_id(number: int) -> str:
    return f"outplacement_report.{number}"


def progress_review_id(number: int) -> str:
    return f"progress_review.{number}"


def participant_work_key(sign_off_key: str) -> str:
    """The participant's own task behind a sign-off: 'care_certificate.3' ->
    'care_certificate.3.work' (evidence to hand in again), 'outplacement_report.1' ->
    'outplacement_report.1.work' (the report to write)."""
    return f"{sign_off_key}.work"
