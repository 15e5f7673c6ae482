"""`scls programme preview --to 2025.1` through the real command line, on a record holding
one running participant of programme 2024.1 in each phase (and one who has finished):
each is listed with what the change would do, and nothing is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from domain.programme.phases import Phase
from store.events import read_stream
from tests.cli import run_cli_async, stack_env
from tests.domain.domain_builders import enrol_command, run_programme, run_until
from tests.inbox.inbox_builders import ENROLLED_AT, Recorder

pytestmark = pytest.mark.postgres

COHORT = "C-preview"
PHASES = list(Phase)


async def record(pool: asyncpg.Pool, participant_id: str, phase: Phase | None) -> None:
    recorder = Recorder(pool, participant_id)
    state = await recorder.command(
        enrol_command(participant_id, programme_version="2024.1").model_copy(
            update={"cohort_id": COHORT}
        ),
        ENROLLED_AT,
    )
    if phase is None:
        await recorder.record(run_programme(state, ENROLLED_AT)[1])
    elif phase is not Phase.ENROLMENT:
        await recorder.record(run_until(state, phase)[1])


async def test_the_preview_lists_each_running_participant_and_changes_nothing(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    for n, phase in enumerate(PHASES, start=1):
        await record(pool, f"P-{n}", phase)
    await record(pool, "P-done", None)
    env = stack_env(tmp_path, SCLS_DATABASE_URL=database_url, COLUMNS="200")

    shown = await run_cli_async(
        "programme", "preview", "--to", "2025.1", "--cohort", COHORT, env=env
    )
    assert shown.returncode == 0, shown.stderr
    assert "P-done" not in shown.stdout
    assert "P-1 (Enrolment, 2024.1 -> 2025.1)" in shown.stdout
    assert shown.stdout.count("care_certificate.16 added") == 2  # enrolment, Institute
    assert "P-3 (Hands-on care placement, 2024.1 -> 2025.1)\n  refused: participant P-3 is" in (
        shown.stdout
    )
    assert shown.stdout.count("no change to the phases ahead") == 3
    assert "6 participants: 2 would change, 1 would be refused, 3 unchanged" in shown.stdout

    as_json = await run_cli_async("programme", "preview", "--to", "2025.1", "--json", env=env)
    previews = {p["participant_id"]: p for p in json.loads(as_json.stdout)}
    assert [previews[f"P-{n}"]["phase"] for n in range(1, 7)] == [p.value for p in PHASES]
    assert {t["key"] for t in previews["P-2"]["tasks"]} == {
        "care_certificate.4",
        "care_certificate.16",
    }

    for n in range(1, 7):
        stream = await read_stream(pool, f"participant-P-{n}")
        assert "ProgrammeVersionChanged" not in [e.type for e in stream]

    unknown = await run_cli_async("programme", "preview", "--to", "2019.1", env=env)
    assert unknown.returncode == 2 and "unknown programme version '2019.1'" in unknown.stderr
    no_cohort = await run_cli_async(
        "programme", "preview", "--to", "2025.1", "--cohort", "C-x", env=env
    )
    assert no_cohort.returncode == 2 and "no cohort C-x is on record" in no_cohort.stderr
