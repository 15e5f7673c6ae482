"""The placement lookup activity: how many scheme participants a home has now."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from contracts.placements import PARTICIPANTS_AT_HOME, HomeQuestion
from store.intervention_cases import participants_at_home


class PlacementActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=PARTICIPANTS_AT_HOME)
    async def participants_at_home(self, question: HomeQuestion) -> int:
        return await participants_at_home(self._pool, question.home_id, question.excluding)
