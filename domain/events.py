"""Participant events: the facts recorded on a participant's stream, from enrolment to
programme completion.

Each event carries a `type` literal so the stored JSON names its own class; the same
events are folded by the workflow and by the Postgres projections. `at` is the instant
the fact happened, in programme time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.instants import UtcDatetime
from domain.outplacements import OutplacementKind
from domain.phases import Phase
from domain.rag import RagStatus
from domain.roles import Role
from domain.support import SupportArrangements
from domain.tasks import Outcome, TaskKind
from domain.timescale import TimeScale


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class ParticipantEnrolled(_Event):
    type: Literal["ParticipantEnrolled"] = "ParticipantEnrolled"
    participant_id: str
    cohort_id: str
    programme_version: str
    time_scale: TimeScale = 1.0
    programme_start: UtcDatetime  # the cohort's start date: the Summer Institute begins
    home_id: str
    support: SupportArrangements
    enrolled_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.enrolled_at


class PhaseStarted(_Event):
    type: Literal["PhaseStarted"] = "PhaseStarted"
    phase: Phase
    started_at: UtcDatetime
    earliest_end: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.started_at


class PhaseCompleted(_Event):
    type: Literal["PhaseCompleted"] = "PhaseCompleted"
    phase: Phase
    completed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.completed_at


class TaskOpened(_Event):
    type: Literal["TaskOpened"] = "TaskOpened"
    task_id: str
    kind: TaskKind
    title: str
    phase: Phase | None
    role: Role
    assignee: str
    opened_at: UtcDatetime
    due_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class TaskDecided(_Event):
    type: Literal["TaskDecided"] = "TaskDecided"
    task_id: str
    decided_by: str
    outcome: Outcome
    comment: str | None = None
    decided_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.decided_at


class OutplacementStarted(_Event):
    type: Literal["OutplacementStarted"] = "OutplacementStarted"
    number: int
    kind: OutplacementKind
    started_at: UtcDatetime
    ends_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.started_at


class OutplacementEnded(_Event):
    type: Literal["OutplacementEnded"] = "OutplacementEnded"
    number: int
    ended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.ended_at


class RagChanged(_Event):
    type: Literal["RagChanged"] = "RagChanged"
    status: RagStatus
    reason: str
    changed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.changed_at


class ProgrammeCompleted(_Event):
    type: Literal["ProgrammeCompleted"] = "ProgrammeCompleted"
    completed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.completed_at


ParticipantEvent = Annotated[
    ParticipantEnrolled
    | PhaseStarted
    | PhaseCompleted
    | TaskOpened
    | TaskDecided
    | OutplacementStarted
    | OutplacementEnded
    | RagChanged
    | ProgrammeCompleted,
    Field(discriminator="type"),
]

_PARTICIPANT_EVENT: TypeAdapter[ParticipantEvent] = TypeAdapter(ParticipantEvent)


def parse_participant_event(data: Mapping[str, Any]) -> ParticipantEvent:
    """An event from its stored JSON form (as `model_dump(mode="json")` wrote it)."""
    return _PARTICIPANT_EVENT.validate_python(data)


def event_type(event: ParticipantEvent) -> str:
    return event.type
