"""RAG status: the red/amber/green flag on a participant, with the reason and date of
each change, as apprenticeship providers keep it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime


class RagStatus(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"  # red means extra reviews; set by interventions (later work)


class RagChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: RagStatus
    reason: str
    changed_at: UtcDatetime
