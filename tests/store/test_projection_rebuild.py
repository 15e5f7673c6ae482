"""Rebuilding the read models from the events gives exactly what the appends kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from pydantic import BaseModel

from contracts.event_log import NewEvent
from domain.cohort.decide import CohortDefinition, ParticipantEnrolmentInput, open_cohort
from domain.participant.decide import decide
from domain.participant.state import initial_state
from store.events import append
from store.read_models import PROJECTIONS
from tests.cli import run_cli_async, stack_env
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, run_programme

pytestmark = pytest.mark.postgres

READ_MODELS = ("participant_progress", "cohort_summary")


def envelope(event: BaseModel) -> NewEvent:
    return NewEvent.of(event)


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[dict[str, object]]]:
    return {
        table: [dict(row) for row in await pool.fetch(f"SELECT * FROM {table} ORDER BY 1")]
        for table in READ_MODELS
    }


# The third follows 2026.1: their evidence, reports and signed reviews are on record too.
VERSIONS = ("2025.1", "2025.1", "2026.1")


async def record_a_cohort(pool: asyncpg.Pool) -> None:
    """Three participants' whole programmes and their cohort, appended batch by batch."""
    for number, version in enumerate(VERSIONS):
        participant_id = f"P-{number}"
        enrolled_at = PROGRAMME_START - timedelta(weeks=6)
        state = initial_state(participant_id)
        first = decide(state, enrol_command(participant_id, version), enrolled_at)
        state = applied(state, first)
        _, rest = run_programme(state, enrolled_at)
        version = 0
        for batch in (first, *([event] for event in rest)):
            await append(
                pool,
                PROJECTIONS,
                f"participant-{participant_id}",
                version,
                [envelope(e) for e in batch],
            )
            version += len(batch)
    definition = CohortDefinition(
        cohort_id="C-north-2027",
        hub="North West",
        start_date=PROGRAMME_START,
        programme_version="2025.1",
        ops_lead="P-ops-1",
        institute_lead="P-institute-1",
        participants=tuple(
            ParticipantEnrolmentInput(
                participant_id=f"P-{n}",
                home_id=f"H-{n // 2}" if n < 2 else "H-0",
                registered_manager="P-rm-1",
                employer_mentor="P-mentor-1",
                development_lead="P-devlead-1",
                coach="P-coach-1",
                assessor="P-assessor-1",
            )
            for n in range(3)
        ),
    )
    opened = open_cohort(definition, PROGRAMME_START - timedelta(weeks=6))
    await append(pool, PROJECTIONS, "cohort-C-north-2027", 0, [envelope(e) for e in opened])


async def test_rebuild_gives_the_read_models_the_appends_kept(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await record_a_cohort(pool)
    incremental = await snapshot(pool)
    assert len(incremental["participant_progress"]) == 3
    assert len(incremental["cohort_summary"]) == 1
    assert {row["status"] for row in incremental["participant_progress"]} == {"completed"}
    with_work = incremental["participant_progress"][2]["state"]
    assert {"care_certificate.16", "outplacement_report.3"} <= set(with_work["work"])
    assert all(review["signatures"] for review in with_work["reviews"].values())

    # Damage the read models, as a bad deploy might, then rebuild through the CLI.
    await pool.execute("UPDATE participant_progress SET phase = 'enrolment', state = '{}'")
    await pool.execute("DELETE FROM cohort_summary")
    result = await run_cli_async(
        "projections", "rebuild", env=stack_env(tmp_path, SCLS_DATABASE_URL=database_url)
    )
    assert result.returncode == 0, result.stderr
    events = await pool.fetchval("SELECT count(*) FROM events")
    assert result.stdout.strip() == f"rebuilt every read model from {events} events"

    assert await snapshot(pool) == incremental


async def test_rebuild_reports_an_unreachable_database_without_a_traceback(tmp_path: Path) -> None:
    result = await run_cli_async(
        "projections",
        "rebuild",
        env=stack_env(tmp_path, SCLS_DATABASE_URL="postgresql://postgres@127.0.0.1:1/none"),
    )
    assert result.returncode == 2
    assert "cannot connect to Postgres (SCLS_DATABASE_URL)" in result.stderr
    assert "Traceback" not in result.stderr
