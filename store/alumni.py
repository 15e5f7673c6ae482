"""Read model: every alumnus' record after the programme, folded from their own stream
(alumni-<person>) with the domain's fold."""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.alumni.events import parse_alumni_event
from domain.alumni.record import AlumniState, evolve_alumni, new_alumni_record
from domain.ids import ALUMNI_PREFIX
from store.folded_state import FoldedStateProjector
from store.pool import Connection


def _columns(state: AlumniState) -> dict[str, Any]:
    opening = state.opened()
    latest = state.latest_answer
    registration = state.rm_registration
    return {
        "cohort_id": opening.cohort_id,
        "left_as": opening.left_as.value,
        "left_at": opening.left_at,
        "destination": latest.destination.value if latest else None,
        "rm_registered_on": registration.registered_on if registration else None,
    }


ALUMNI_RECORDS: FoldedStateProjector[AlumniState] = FoldedStateProjector(
    table="alumni_record",
    key_column="person_id",
    stream_prefix=ALUMNI_PREFIX,
    load=AlumniState.model_validate,
    initial=new_alumni_record,
    evolve=lambda state, data: evolve_alumni(state, parse_alumni_event(data)),
    columns=_columns,
)


async def alumni_records(
    connection: asyncpg.Pool | Connection, cohort_id: str | None = None
) -> list[AlumniState]:
    rows = await connection.fetch(
        "SELECT state FROM alumni_record WHERE $1::text IS NULL OR cohort_id = $1 "
        "ORDER BY person_id",
        cohort_id,
    )
    return [AlumniState.model_validate(row["state"]) for row in rows]
