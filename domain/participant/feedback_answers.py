"""Feedback as the participant's state keeps it: the scores of every answer, never its
comment (personal content: only the event store has it, domain.participant.events)."""

from __future__ import annotations

from statistics import fmean

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime
from domain.programme.phases import Phase
from domain.roles import Role


class FeedbackAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    form: str
    subject: str
    role: Role
    respondent: str
    home_id: str | None
    place_home_id: str | None = None
    place_name: str | None = None
    scores: dict[str, int]
    given_at: UtcDatetime
    has_comment: bool

    @property
    def mean(self) -> float:
        return fmean(self.scores.values())


class CareFeedback(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    phase: Phase
    home_id: str
    scores: dict[str, int]
    recorded_by: str
    recorded_at: UtcDatetime
    has_comment: bool

    @property
    def mean(self) -> float:
        return fmean(self.scores.values())
