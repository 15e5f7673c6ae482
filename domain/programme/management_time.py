"""Management time: the share of a participant's week spent off the floor, against the
phase's target (20% in the 80/20 phase, 40% in 60/40).

Participants or their managers record each week's hours. A manager's record is verified;
the participant's own is submitted, and a manager's record of the same week replaces it
(never the other way round). The share is taken over a rolling window of the latest
weeks recorded in the phase. A window short of the target turns the RAG status amber; a
shortfall over several windows in a row opens an intervention.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.programme.phases import Phase
from domain.roles import Role

WINDOW_WEEKS = 4
# Below the target by more than this (a share, 0.05 = five percentage points) is short.
TOLERANCE = 0.05
# Short windows in a row that make a shortfall persistent: an intervention opens.
PERSISTENT_WINDOWS = 3
MAX_WEEKLY_HOURS = 80.0
# Whose record of a week counts as verified.
VERIFIERS = frozenset(
    {Role.REGISTERED_MANAGER, Role.EMPLOYER_MENTOR, Role.DEVELOPMENT_LEAD, Role.OPS}
)


class Timesheet(BaseModel):
    model_config = ConfigDict(frozen=True)

    week_start: date
    phase: Phase
    care_hours: float
    management_hours: float
    recorded_by: str
    verified: bool

    @property
    def total_hours(self) -> float:
        return self.care_hours + self.management_hours


def window_share(sheets: Sequence[Timesheet]) -> float:
    """The management share of the hours in `sheets` (weeks weigh by their hours)."""
    total = sum(sheet.total_hours for sheet in sheets)
    return sum(sheet.management_hours for sheet in sheets) / total if total else 0.0


def latest_share(sheets: Sequence[Timesheet]) -> float | None:
    """The share over the latest full window; None until a window's worth is recorded."""
    ordered = sorted(sheets, key=lambda sheet: sheet.week_start)
    if len(ordered) < WINDOW_WEEKS:
        return None
    return window_share(ordered[-WINDOW_WEEKS:])


def shortfall_streak(sheets: Sequence[Timesheet], target: float) -> int:
    """How many windows in a row, ending at the latest week, fell short of `target`."""
    ordered = sorted(sheets, key=lambda sheet: sheet.week_start)
    streak = 0
    # Rounded, so that exactly the tolerance below target (15% of 20%) is not short.
    floor = round(target - TOLERANCE, 6)
    for end in range(len(ordered), WINDOW_WEEKS - 1, -1):
        if round(window_share(ordered[end - WINDOW_WEEKS : end]), 6) >= floor:
            break
        streak += 1
    return streak
