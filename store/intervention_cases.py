"""Read model: every intervention's case file (who decides, where it stands, its outcome),
folded from the case's own stream; and how many scheme participants a home has now."""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.ids import INTERVENTION_PREFIX
from domain.intervention.case import CaseFile, evolve_case, new_case_file, parse_case_event
from domain.programme.phases import ParticipantStatus
from store.folded_state import FoldedStateProjector
from store.pool import Connection


def _columns(case: CaseFile) -> dict[str, Any]:
    opening = case.opened()
    return {
        "participant_id": opening.participant_id,
        "case_number": opening.case_number,
        "cohort_id": opening.cohort_id,
        "kind": opening.kind.value,
        "severity": opening.severity.value,
        "stage": case.stage.value,
        "outcome": case.proposal.outcome.kind if case.proposal else None,
        "opened_at": opening.opened_at,
        "closed_at": case.closed_at,
    }


INTERVENTION_CASES: FoldedStateProjector[CaseFile] = FoldedStateProjector(
    table="intervention_case",
    key_column="case_key",
    stream_prefix=INTERVENTION_PREFIX,
    load=CaseFile.model_validate,
    initial=new_case_file,
    evolve=lambda case, data: evolve_case(case, parse_case_event(data)),
    columns=_columns,
)


async def participants_at_home(
    connection: asyncpg.Pool | Connection, home_id: str, excluding: str
) -> int:
    """Scheme participants placed at `home_id` now (those on the programme), besides one."""
    count = await connection.fetchval(
        "SELECT count(*) FROM participant_progress "
        "WHERE home_id = $1 AND status = ANY($2::text[]) AND participant_id <> $3",
        home_id,
        [status.value for status in ParticipantStatus if status.on_programme],
        excluding,
    )
    return int(count)


async def case_files(
    connection: asyncpg.Pool | Connection, participant_id: str
) -> dict[int, CaseFile]:
    """A participant's case files on record, by case number."""
    rows = await connection.fetch(
        "SELECT case_number, state FROM intervention_case WHERE participant_id = $1",
        participant_id,
    )
    return {row["case_number"]: CaseFile.model_validate(row["state"]) for row in rows}
