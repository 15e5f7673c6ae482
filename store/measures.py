"""What the success measures are worked out from (domain.measures): participants' and
alumni states from their read models, the directory's homes, the CQC ratings on record."""

from __future__ import annotations

import asyncpg

from domain.measures import SuccessMeasures, success_measures
from domain.participant.state import ParticipantState
from domain.people import Home
from store.alumni import alumni_records
from store.cqc import rating_histories
from store.pool import Connection


async def homes(connection: asyncpg.Pool | Connection) -> dict[str, Home]:
    rows = await connection.fetch("SELECT home_id, name, cqc_location_id, provider_id FROM homes")
    return {row["home_id"]: Home.model_validate(dict(row)) for row in rows}


async def participant_states(
    connection: asyncpg.Pool | Connection, cohort_id: str | None = None
) -> list[ParticipantState]:
    rows = await connection.fetch(
        "SELECT state FROM participant_progress WHERE $1::text IS NULL OR cohort_id = $1 "
        "ORDER BY participant_id",
        cohort_id,
    )
    return [ParticipantState.model_validate(row["state"]) for row in rows]


async def measures(
    connection: asyncpg.Pool | Connection, cohort_id: str | None = None
) -> SuccessMeasures:
    """The measures of one cohort, or of every cohort. Placement quality is across cohorts
    whichever is asked: a home's ratings come from everyone placed there."""
    participants = await participant_states(connection, cohort_id)
    everyone = participants if cohort_id is None else await participant_states(connection)
    alumni = await alumni_records(connection, cohort_id)
    locations = [a.latest_answer.service_location_id for a in alumni if a.latest_answer]
    histories = await rating_histories(connection, [loc for loc in locations if loc])
    found = success_measures(participants, alumni, await homes(connection), histories)
    if cohort_id is None:
        return found
    across = success_measures(everyone, [], await homes(connection), {})
    return found.model_copy(update={"places": across.places, "providers": across.providers})
