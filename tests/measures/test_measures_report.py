"""The success measures from the record: two participants who rate their care placement
poorly flag its home, and `scls report measures` gives the same rows as CSV and as an
xlsx file that a maintained reader (openpyxl) opens."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from openpyxl import load_workbook

from contracts.event_log import NewEvent
from domain.participant.commands import GiveFeedback
from domain.participant.decide import decide
from domain.people import Directory, Home, Provider
from domain.programme.feedback import PLACEMENT_RUBRIC
from store.directory import load_directory
from store.events import append
from store.measures import measures
from store.read_models import PROJECTIONS
from tests.cli import run_cli_async, stack_env
from tests.measures.placement_ratings import POOR, RATING, after_care_placement

pytestmark = pytest.mark.postgres


def _xlsx_to(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    with path.open("wb") as out:
        return subprocess.run(
            [sys.executable, "-m", "scls.cli", "report", "measures", "--format", "xlsx"],
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )


async def _record(pool: asyncpg.Pool, participant_id: str, events: list) -> None:  # type: ignore[type-arg]
    await append(
        pool,
        PROJECTIONS,
        f"participant-{participant_id}",
        0,
        [NewEvent.of(event) for event in events],
    )


async def test_two_poor_ratings_flag_the_home_and_the_xlsx_matches_the_csv(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await load_directory(
        pool,
        Directory(
            providers=(Provider(provider_id="PR-1", name="Riverside Care"),),
            homes=(
                Home(home_id="H-1", name="Oak House", cqc_location_id="1-100", provider_id="PR-1"),
            ),
        ),
    )
    # Given two participants placed at Oak House who both rate their care placement poorly
    for participant_id in ("P-1", "P-2"):
        state, events, now = after_care_placement(participant_id)
        rating = GiveFeedback(
            by=participant_id,
            task_id=RATING,
            scores=POOR,
            comment="Nights were unsafe",
        )
        events += decide(state, rating, now)
        await _record(pool, participant_id, events)

    # Then Oak House is flagged, with both ratings as the evidence
    found = await measures(pool)
    [oak] = [p for p in found.places if p.place == "H-1"]
    assert oak.flagged
    assert sorted(e.participant_id for e in oak.poor) == ["P-1", "P-2"]
    assert [p.provider_id for p in found.providers] == ["PR-1"]
    assert found.providers[0].flagged_homes == 1
    assert set(oak.criteria) == set(PLACEMENT_RUBRIC.question_keys())

    # And the report's CSV and xlsx hold the same rows
    env = stack_env(tmp_path, SCLS_DATABASE_URL=database_url)
    as_csv = await run_cli_async("report", "measures", "--format", "csv", env=env)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert ["placement_quality", "Oak House", "flagged", "PR-1", "yes"] in rows
    xlsx = tmp_path / "measures.xlsx"
    as_xlsx = await asyncio.to_thread(_xlsx_to, xlsx, env)
    assert as_xlsx.returncode == 0, as_xlsx.stderr
    sheet = load_workbook(xlsx, read_only=True).active
    assert sheet is not None
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == rows
