"""The weekly digest: when it goes, which week a run is for, and the order of its lines.

Everyone with an open task (their own, or one delegated to them now) gets one mail a
week listing those tasks, the overdue ones first; ops get a summary of every cohort. A
digest is for one week, named as an ISO week in England (`2026-W49`): a person gets at
most one of each kind per week, however often the run is retried or started again.
People who chose the digest only (`MailPreference.DIGEST`) get no reminder mails in
between: this is where they hear of their tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from domain.instants import require_utc

# Mondays at seven in the morning, in England: before the week's work is planned.
DIGEST_WEEKDAY = 1  # ISO weekday: Monday
DIGEST_HOUR = 7
DIGEST_TIME_ZONE = "Europe/London"


def digest_week(at: datetime) -> str:
    """The ISO week (`2026-W49`) that the instant falls in, in England."""
    year, week, _ = require_utc(at).astimezone(ZoneInfo(DIGEST_TIME_ZONE)).isocalendar()
    return f"{year}-W{week:02d}"


class DigestLine(Protocol):
    @property
    def overdue(self) -> bool: ...

    @property
    def due_at(self) -> datetime: ...


Line = TypeVar("Line", bound=DigestLine)


def in_digest_order(lines: Iterable[Line]) -> list[Line]:
    """Overdue tasks first, the longest overdue at the top; then the rest, soonest due
    first."""
    return sorted(lines, key=lambda line: (not line.overdue, line.due_at))
