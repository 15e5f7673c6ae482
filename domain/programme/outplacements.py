"""Outplacements: the three four-week placements away from the participant's home setting
(Programme Manual 1.6), each followed by a report on what they learnt."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.programme.phases import Phase


class OutplacementKind(StrEnum):
    DIFFERENT_CARE_TYPE = "different_care_type"  # another setting, a very different type of care
    SAFEGUARDING_TEAM = "safeguarding_team"  # a local authority safeguarding or social work team
    ANOTHER_CARE_SETTING = "another_care_setting"


class OutplacementDefinition(BaseModel):
    """When an outplacement happens, relative to the start of the phase it belongs to."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, le=3)
    kind: OutplacementKind
    title: str
    year: int = Field(ge=1, le=2)
    phase: Phase
    starts_after: timedelta
    duration: timedelta = timedelta(weeks=4)
    report_required: bool = True  # the report opens at the end; task_policy: when due
    # The participant writes the report into the record and their employer mentor reviews
    # it; without, the Development Lead signs off a report kept elsewhere.
    report_by_participant: bool = False

    @property
    def report_title(self) -> str:
        return f"Report on outplacement {self.number}: {self.title}"


OUTPLACEMENTS: tuple[OutplacementDefinition, ...] = (
    OutplacementDefinition(
        number=1,
        kind=OutplacementKind.DIFFERENT_CARE_TYPE,
        title="Outplacement in a very different type of care",
        year=1,
        phase=Phase.FIRST_LINE_MANAGEMENT,
        # Mid-phase: after shadowing has begun, with time to apply the learning at home.
        starts_after=timedelta(weeks=16),
    ),
    OutplacementDefinition(
        number=2,
        kind=OutplacementKind.SAFEGUARDING_TEAM,
        title="Outplacement with a safeguarding or social work team",
        year=2,
        phase=Phase.TOWARDS_REGISTERED_MANAGER,
        starts_after=timedelta(weeks=8),
    ),
    OutplacementDefinition(
        number=3,
        kind=OutplacementKind.ANOTHER_CARE_SETTING,
        title="Outplacement in another care setting",
        year=2,
        phase=Phase.TOWARDS_REGISTERED_MANAGER,
        starts_after=timedelta(weeks=28),
    ),
)
