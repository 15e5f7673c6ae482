"""Cohort events: the facts on a cohort's stream (its opening, members, course partners,
conferences) and the cohort's own view of each participant's progress, which the
participants' workflows feed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.instants import UtcDatetime
from domain.programme.phases import ParticipantStatus, Phase
from domain.rag import RagStatus
from domain.timescale import TimeScale


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class CohortOpened(_Event):
    type: Literal["CohortOpened"] = "CohortOpened"
    cohort_id: str
    hub: str
    start_date: UtcDatetime
    programme_version: str
    time_scale: TimeScale = 1.0
    ops_lead: str
    opened_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class ParticipantJoined(_Event):
    type: Literal["ParticipantJoined"] = "ParticipantJoined"
    participant_id: str
    home_id: str
    joined_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.joined_at


class CoursePartnersPaired(_Event):
    type: Literal["CoursePartnersPaired"] = "CoursePartnersPaired"
    partners: dict[str, tuple[str, ...]]
    paired_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.paired_at


class ConferenceScheduled(_Event):
    type: Literal["ConferenceScheduled"] = "ConferenceScheduled"
    number: int
    title: str
    starts_on: UtcDatetime
    ends_on: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.starts_on


class ConferenceAttendanceRecorded(_Event):
    type: Literal["ConferenceAttendanceRecorded"] = "ConferenceAttendanceRecorded"
    number: int
    attended: tuple[str, ...]
    absent: tuple[str, ...]
    recorded_by: str
    recorded_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.recorded_at


class ParticipantProgressed(_Event):
    type: Literal["ParticipantProgressed"] = "ParticipantProgressed"
    participant_id: str
    phase: Phase | None
    rag: RagStatus
    status: ParticipantStatus
    progressed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.progressed_at


CohortEvent = Annotated[
    CohortOpened
    | ParticipantJoined
    | CoursePartnersPaired
    | ConferenceScheduled
    | ConferenceAttendanceRecorded
    | ParticipantProgressed,
    Field(discriminator="type"),
]

_COHORT_EVENT: TypeAdapter[CohortEvent] = TypeAdapter(CohortEvent)


def parse_cohort_event(data: Mapping[str, Any]) -> CohortEvent:
    return _COHORT_EVENT.validate_python(data)
