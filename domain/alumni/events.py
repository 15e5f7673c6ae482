"""Alumni events, on the alumnus' own stream (`alumni-<person>`): the record opened when
they left the programme, each check-in's opening, chasing and answer, and their
registration with CQC as a Registered Manager."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.instants import UtcDatetime
from domain.programme.alumni import Destination
from domain.programme.phases import ParticipantStatus
from domain.timescale import TimeScale


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class AlumniRecordOpened(_Event):
    type: Literal["AlumniRecordOpened"] = "AlumniRecordOpened"
    person_id: str
    cohort_id: str
    left_as: ParticipantStatus  # completed or withdrawn
    left_at: UtcDatetime
    home_id: str | None
    ops_lead: str
    time_scale: TimeScale = 1.0
    opened_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class CheckInOpened(_Event):
    type: Literal["CheckInOpened"] = "CheckInOpened"
    number: int
    opened_at: UtcDatetime
    closes_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class CheckInReminded(_Event):
    type: Literal["CheckInReminded"] = "CheckInReminded"
    number: int
    reminder: int
    at: UtcDatetime


class CheckInEscalated(_Event):
    """Still unanswered: the alumnus' ops lead is told, to ask in person."""

    type: Literal["CheckInEscalated"] = "CheckInEscalated"
    number: int
    to_person: str
    at: UtcDatetime


class CheckInAnswered(_Event):
    """Where the alumnus is. `service_location_id` is the CQC location of the service
    they work in (for a Registered Manager, the one they manage), `in_post_since` when
    they took the post."""

    type: Literal["CheckInAnswered"] = "CheckInAnswered"
    number: int
    destination: Destination
    service_location_id: str | None = None
    in_post_since: date | None = None
    answered_by: str
    answered_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.answered_at


class CheckInClosed(_Event):
    """Closed unanswered."""

    type: Literal["CheckInClosed"] = "CheckInClosed"
    number: int
    closed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.closed_at


class RmRegistrationRecorded(_Event):
    """Registered with CQC as a Registered Manager, on `registered_on`."""

    type: Literal["RmRegistrationRecorded"] = "RmRegistrationRecorded"
    registered_on: date
    service_location_id: str | None = None
    recorded_by: str
    recorded_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.recorded_at


AlumniEvent = Annotated[
    AlumniRecordOpened
    | CheckInOpened
    | CheckInReminded
    | CheckInEscalated
    | CheckInAnswered
    | CheckInClosed
    | RmRegistrationRecorded,
    Field(discriminator="type"),
]

_ALUMNI_EVENT: TypeAdapter[AlumniEvent] = TypeAdapter(AlumniEvent)


def parse_alumni_event(data: Mapping[str, Any]) -> AlumniEvent:
    return _ALUMNI_EVENT.validate_python(data)
