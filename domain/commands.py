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


class ReassignTask(BaseModel):
    """Give an open task to someone else (the assignee, an escalation's recipient or ops
    may)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["ReassignTask"] = "ReassignTask"
    task_id: str
    to_person: str
    by: str
    reason: str | None = None


class Delegate(BaseModel):
    """A manager away hands their tasks on this participant to a named deputy for
    [starts_at, until). The engine sends it to every participant with tasks for them."""

    model_config = ConfigDict(frozen=True)

    type: Literal["Delegate"] = "Delegate"
    from_person: str
    to_person: str
    starts_at: UtcDatetime
    until: UtcDatetime
    by: str


ParticipantCommand = Annotated[
    Enrol | AdvanceTime | DecideTask | ReassignTask | Delegate, Field(discriminator="type")
]
