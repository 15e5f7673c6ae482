"""After the programme: when the scheme asks its alumni where they are (on leaving, and
6, 12 and 24 months later), how it chases an answer, and the destinations it counts.
'In a Registered Manager post' and 'retained in the sector' (the manual's success
measures) come from these answers."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Destination(StrEnum):
    REGISTERED_MANAGER = "registered_manager"  # a Registered Manager post
    OTHER_MANAGEMENT = "other_management"  # another management role in care
    OTHER_CARE_ROLE = "other_care_role"  # another role in care
    LEFT_SECTOR = "left_sector"

    @property
    def in_sector(self) -> bool:
        return self is not Destination.LEFT_SECTOR

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Destination.REGISTERED_MANAGER: "Registered Manager post",
    Destination.OTHER_MANAGEMENT: "Other management role in care",
    Destination.OTHER_CARE_ROLE: "Other role in care",
    Destination.LEFT_SECTOR: "Left the sector",
}


class CheckInDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int  # 0: on leaving
    months: int  # after leaving
    after_leaving: timedelta

    @property
    def title(self) -> str:
        return "On leaving" if self.months == 0 else f"{self.months} months on"


def _check_in(number: int, months: int) -> CheckInDefinition:
    # Months as weeks of programme time: 26, 52 and 104 weeks.
    return CheckInDefinition(
        number=number, months=months, after_leaving=timedelta(weeks=months * 52 // 12)
    )


CHECK_INS: tuple[CheckInDefinition, ...] = (
    _check_in(0, 0),
    _check_in(1, 6),
    _check_in(2, 12),
    _check_in(3, 24),
)


class CheckInPolicy(BaseModel):
    """Reminders to the alumnus after each of `reminders_after`; ops told when it is still
    unanswered `escalate_after` opening; closed unanswered at `closes_after`."""

    model_config = ConfigDict(frozen=True)

    reminders_after: tuple[timedelta, ...]
    escalate_after: timedelta
    closes_after: timedelta


CHECK_IN_POLICY = CheckInPolicy(
    reminders_after=(timedelta(weeks=1), timedelta(weeks=2)),
    escalate_after=timedelta(weeks=3),
    closes_after=timedelta(weeks=6),
)


def check_in(number: int) -> CheckInDefinition:
    return next(c for c in CHECK_INS if c.number == number)


def answered_by_month(months: int) -> int:
    """The check-in that answers for `months` after leaving (12 -> check-in 2)."""
    return next(c.number for c in CHECK_INS if c.months == months)
