"""Commands: what people and timers ask of a participant. `decide` turns each into events
or refuses it with a DomainError."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.instants import UtcDatetime
from domain.support import SupportArrangements
from domain.tasks import Outcome
from domain.timescale import TimeScale


class Enrol(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["Enrol"] = "Enrol"
    participant_id: str
    cohort_id: str
    programme_version: str
    time_scale: TimeScale = 1.0
    programme_start: UtcDatetime
    home_id: str
    support: SupportArrangements


class AdvanceTime(BaseModel):
    """Time has passed: record whatever the programme's timetable makes due by `now`."""

    model_config = ConfigDict(frozen=True)

    type: Literal["AdvanceTime"] = "AdvanceTime"


class DecideTask(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["DecideTask"] = "DecideTask"
    task_id: str
    decided_by: str
    outcome: Outcome
    comment: str | None = None


ParticipantCommand = Annotated[Enrol | AdvanceTime | DecideTask, Field(discriminator="type")]
