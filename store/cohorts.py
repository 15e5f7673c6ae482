"""Cohorts as ops staff read them: the list of cohorts, a cohort's participants' states,
and who is already on record, from the participant progress and cohort summary read
models (so they answer when no worker runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby

import asyncpg
from pydantic import BaseModel, ConfigDict

from domain.cohort.headcount import Headcount, headcount
from domain.cohort.state import CohortState
from domain.participant.standing import Standing
from domain.participant.state import ParticipantState
from domain.programme.phases import ParticipantStatus
from store.cohort_summary import COHORT_SUMMARY
from store.pool import Connection


class CohortListing(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    hub: str | None
    start_date: datetime | None
    programme_version: str | None
    participants: int
    active: int
    completed: int
    withdrawn: int
    at_risk: int  # the domain's: on the programme, amber or red


async def headcounts(pool: asyncpg.Pool | Connection) -> dict[str, Headcount]:
    """Each cohort's headcount, by cohort id: the read model groups participants by the
    columns the domain's standing needs, and the domain counts them."""
    rows = await pool.fetch(
        "SELECT cohort_id, status, phase, rag, count(*) AS n FROM participant_progress "
        "GROUP BY cohort_id, status, phase, rag ORDER BY cohort_id"
    )
    return {
        cohort_id: headcount(
            (Standing.named(row["status"], row["phase"], row["rag"]), row["n"]) for row in group
        )
        for cohort_id, group in groupby(rows, key=lambda row: row["cohort_id"])
    }


async def cohorts(pool: asyncpg.Pool | Connection) -> list[CohortListing]:
    """Every cohort on record, the latest start first; counts from participants' own
    progress, which is never behind the cohort's view of them."""
    counted = await headcounts(pool)
    opened = {
        row["cohort_id"]: row
        for row in await pool.fetch(
            "SELECT cohort_id, hub, start_date, programme_version FROM cohort_summary"
        )
    }
    listings = []
    for cohort_id in opened.keys() | counted.keys():
        opening = opened.get(cohort_id)
        count = counted.get(cohort_id, Headcount())
        listings.append(
            CohortListing(
                cohort_id=cohort_id,
                hub=opening["hub"] if opening else None,
                start_date=opening["start_date"] if opening else None,
                programme_version=opening["programme_version"] if opening else None,
                participants=count.participants,
                active=count.per_status.get(ParticipantStatus.ACTIVE, 0),
                completed=count.per_status.get(ParticipantStatus.COMPLETED, 0),
                withdrawn=count.per_status.get(ParticipantStatus.WITHDRAWN, 0),
                at_risk=count.at_risk,
            )
        )
    # The latest start first, cohorts not yet opened on record last.
    listings.sort(key=lambda c: c.cohort_id)
    listings.sort(key=lambda c: c.start_date or datetime.min.replace(tzinfo=UTC), reverse=True)
    return listings


async def cohort_state(pool: asyncpg.Pool | Connection, cohort_id: str) -> CohortState | None:
    return await COHORT_SUMMARY.load(pool, cohort_id)


async def participant_states(
    pool: asyncpg.Pool | Connection, cohort_id: str | None
) -> list[ParticipantState]:
    """The cohort's participants, or with None every participant on record."""
    rows = await pool.fetch(
        "SELECT state FROM participant_progress WHERE $1::text IS NULL OR cohort_id = $1 "
        "ORDER BY participant_id",
        cohort_id,
    )
    return [ParticipantState.model_validate(row["state"]) for row in rows]


async def changed_participant_states(
    pool: asyncpg.Pool | Connection, cohort_id: str, known: Mapping[str, int]
) -> list[ParticipantState]:
    """The cohort's participants whose stream moved past the version in `known` (all of
    them when `known` is empty): a watcher reads only what changed."""
    rows = await pool.fetch(
        "SELECT state FROM participant_progress WHERE cohort_id = $1 AND version <> "
        "coalesce(($2::jsonb ->> participant_id)::bigint, -1) ORDER BY participant_id",
        cohort_id,
        dict(known),
    )
    return [ParticipantState.model_validate(row["state"]) for row in rows]


async def enrolled_count(pool: asyncpg.Pool | Connection, cohort_id: str) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM participant_progress WHERE cohort_id = $1", cohort_id
    )
    return count


async def cohorts_of(
    pool: asyncpg.Pool | Connection, participant_ids: Sequence[str]
) -> dict[str, str]:
    """The cohort each of these participants is on record in, for those who are."""
    rows = await pool.fetch(
        "SELECT participant_id, cohort_id FROM participant_progress "
        "WHERE participant_id = ANY($1::text[])",
        list(participant_ids),
    )
    return {row["participant_id"]: row["cohort_id"] for row in rows}
