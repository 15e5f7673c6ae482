"""Interventions: what the scheme does when a participant is in trouble.

A concern (reported by someone, or raised by the timetable itself) opens an intervention
case, assigned to the participant's Development Lead. The case needs a review meeting
within ten working days and ends in one outcome: continue with a support plan, move to a
new home, extend the current phase, a break in learning, or withdrawal. Moves,
extensions and withdrawals need ops' approval. A participant has at most one case open:
concerns raised while one is open are added to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.data_protection.personal import PersonalText
from domain.instants import UtcDatetime
from domain.roles import Role

# The review meeting must be held within this many working days of the case opening.
REVIEW_MEETING_WORKING_DAYS = 10
# A break in learning is at least this long (programme time).
MINIMUM_BREAK = timedelta(weeks=4)
# Who may report a concern about a placement: the people around it, and ops.
REPORTERS = frozenset(
    {
        Role.REGISTERED_MANAGER,
        Role.EMPLOYER_MENTOR,
        Role.DEVELOPMENT_LEAD,
        Role.PARTICIPANT,
        Role.OPS,
        Role.COACH,
        Role.ASSESSOR,
    }
)


class ConcernKind(StrEnum):
    PLACEMENT_CONCERN = "placement_concern"
    PLACEMENT_BREAKDOWN = "placement_breakdown"
    SAFEGUARDING = "safeguarding"
    # Raised by the timetable itself:
    CARE_CERTIFICATE_OVERRUN = "care_certificate_overrun"
    PROGRESS_REVIEW_MISSED = "progress_review_missed"
    OUTPLACEMENT_REPORT_OVERDUE = "outplacement_report_overdue"
    MANAGEMENT_TIME_OFF_TRACK = "management_time_off_track"


# What people report; the other kinds are raised by the timetable itself.
REPORTED_KINDS = (
    ConcernKind.PLACEMENT_CONCERN,
    ConcernKind.PLACEMENT_BREAKDOWN,
    ConcernKind.SAFEGUARDING,
)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class WithdrawalDestination(StrEnum):
    """Where a participant who leaves the scheme goes: a success measure of the manual."""

    OTHER_SOCIAL_CARE_ROLE = "other_social_care_role"
    HEALTH_CARE = "health_care"
    FURTHER_STUDY = "further_study"
    LEFT_SECTOR = "left_sector"
    UNKNOWN = "unknown"


class _Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    @property
    def needs_ops_approval(self) -> bool:
        return True


class ContinueWithSupportPlan(_Outcome):
    kind: Literal["continue"] = "continue"
    plan: PersonalText = Field(min_length=1)
    review_after_weeks: int = Field(ge=1, le=26)  # the plan's review date follows from it

    @property
    def needs_ops_approval(self) -> bool:
        return False


class MoveToNewHome(_Outcome):
    kind: Literal["move"] = "move"
    home_id: str = Field(min_length=1)
    registered_manager: str = Field(min_length=1)
    employer_mentor: str = Field(min_length=1)


class ExtendPhase(_Outcome):
    kind: Literal["extend"] = "extend"
    weeks: int = Field(ge=1, le=52)


class BreakInLearning(_Outcome):
    kind: Literal["break"] = "break"
    weeks: int  # at least four; the return date follows from the start and the length

    @field_validator("weeks")
    @classmethod
    def _at_least_minimum(cls, weeks: int) -> int:
        minimum = MINIMUM_BREAK.days // 7
        if weeks < minimum:
            raise ValueError(f"a break in learning lasts at least {minimum} weeks, not {weeks}")
        return weeks

    @property
    def length(self) -> timedelta:
        return timedelta(weeks=self.weeks)

    @property
    def needs_ops_approval(self) -> bool:
        return False


class Withdraw(_Outcome):
    kind: Literal["withdraw"] = "withdraw"
    reason: PersonalText = Field(min_length=1)
    destination: WithdrawalDestination


InterventionOutcome = Annotated[
    ContinueWithSupportPlan | MoveToNewHome | ExtendPhase | BreakInLearning | Withdraw,
    Field(discriminator="kind"),
]


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class InterventionCase(BaseModel):
    """One case as the participant's record keeps it (the deliberation is in the case
    file the intervention workflow keeps)."""

    model_config = ConfigDict(frozen=True)

    number: int
    kind: ConcernKind  # of the concern that opened it
    severity: Severity
    concerns: tuple[int, ...]  # concern numbers: the first opened the case
    assignee: str  # the Development Lead
    review_task_id: str
    opened_at: UtcDatetime
    status: CaseStatus = CaseStatus.OPEN
    outcome: InterventionOutcome | None = None
    closed_at: UtcDatetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN


def review_task_id(case_number: int) -> str:
    return f"intervention.{case_number}.review"


def support_plan_review_id(case_number: int) -> str:
    return f"support_plan_review.{case_number}"


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
