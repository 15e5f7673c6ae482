"""Placement lookups a workflow needs from the read models: how many scheme participants a
home has now (a move must leave the new home with at least two)."""

from __future__ import annotations

import asyncpg
from pydantic import BaseModel, ConfigDict
from temporalio import activity

from store.intervention_cases import participants_at_home

PARTICIPANTS_AT_HOME = "participants_at_home"


class HomeQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    home_id: str
    excluding: str  # the participant who would move there


class PlacementActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=PARTICIPANTS_AT_HOME)
    async def participants_at_home(self, question: HomeQuestion) -> int:
        return await participants_at_home(self._pool, question.home_id, question.excluding)
