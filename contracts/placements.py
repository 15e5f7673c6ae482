"""The placement lookup a workflow asks of the read models: how many scheme participants a
home has now (a move must leave the new home with at least two)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PARTICIPANTS_AT_HOME = "participants_at_home"


class HomeQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    home_id: str
    excluding: str  # the participant who would move there
