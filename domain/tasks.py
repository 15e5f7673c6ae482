"""Tasks: the questions the scheme puts to a person (a sign-off, a review, a report), and
the rules for answering them.

Task ids are readable and deterministic: the sign-off key ("care_certificate.3"), or a
kind and number ("progress_review.4"). A task that is rejected or sent back is closed and
asked again as a new attempt, "care_certificate.3~2", so every answer stays on record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from domain.errors import CommentRequired, PersonNotAllowed, TaskAlreadyDecided
from domain.instants import UtcDatetime
from domain.phases import Phase
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


class TaskStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back"


class Outcome(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SEND_BACK = "send_back"


class OutcomeRule(BaseModel):
    """What one outcome does to a task. Kind-specific outcomes will extend this table."""

    model_config = ConfigDict(frozen=True)

    closes_as: TaskStatus
    needs_comment: bool
    asks_again: bool  # a new attempt of the same task is opened


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

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def key(self) -> str:
        """The task id without its attempt number: the sign-off it answers."""
        return task_key(self.task_id)

    def is_overdue(self, now: datetime) -> bool:
        """Open at or past its due instant."""
        return self.is_open and now >= self.due_at

    def check_decision(self, decided_by: str, outcome: Outcome, comment: str | None) -> None:
        """Refuses an answer the rules do not allow; returns quietly otherwise."""
        if self.decision is not None:
            earlier = self.decision
            raise TaskAlreadyDecided(
                f"task {self.task_id} was already decided ({earlier.outcome} by "
                f"{earlier.decided_by} on {earlier.decided_at.date().isoformat()})"
            )
        if decided_by != self.assignee:
            raise PersonNotAllowed(
                f"{decided_by} may not decide task {self.task_id}: it is assigned to "
                f"{self.assignee} ({self.role})"
            )
        if OUTCOME_RULES[outcome].needs_comment and not (comment and comment.strip()):
            raise CommentRequired(
                f"a comment is required to {outcome.replace('_', ' ')} task {self.task_id}"
            )

    def decided(self, decision: Decision) -> Task:
        return self.model_copy(
            update={
                "status": OUTCOME_RULES[decision.outcome].closes_as,
                "decision": decision,
            }
        )


def task_key(task_id: str) -> str:
    return task_id.split(ATTEMPT_SEPARATOR, 1)[0]


def next_attempt_id(task_id: str) -> str:
    """'care_certificate.3' -> 'care_certificate.3~2' -> 'care_certificate.3~3'."""
    key, _, attempt = task_id.partition(ATTEMPT_SEPARATOR)
    return f"{key}{ATTEMPT_SEPARATOR}{int(attempt or 1) + 1}"


def outplacement_report_id(number: int) -> str:
    return f"outplacement_report.{number}"


def progress_review_id(number: int) -> str:
    return f"progress_review.{number}"
