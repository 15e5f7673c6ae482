"""`scls rehearse` on the dev server: six participants of the example rehearsal cohort
(examples/rehearsal-cohort.yaml) run to the end at a time scale of a million, with one
placement breakdown and one withdrawal (examples/rehearsal-policy.yaml). Everyone ends
completed or withdrawn, every stream of the rehearsal's own database has contiguous
versions and no event twice, and the report's measures are what `scls report cohort`
says of that database. The forecast's backtest on the rehearsed cohort, as of halfway,
shows its error against what happened, the same for the same seed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.cli import run_cli, stack_env
from tests.conftest import with_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EXAMPLES = Path(__file__).parents[2] / "examples"
COHORT = "NW-REHEARSAL"
# Half the default speed: at a million times real time a loaded machine's lag once let a
# participant complete before the withdrawal the policy gives them had gone through.
TIME_SCALE = "500000"
REHEARSAL_SECONDS = 400  # two programme years at TIME_SCALE, on a busy machine


@pytest.fixture
async def rehearsal_databases(postgres_server_url: str) -> AsyncIterator[list[str]]:
    """The databases the test's rehearsals make, dropped afterwards."""
    made: list[str] = []
    yield made
    admin = await asyncpg.connect(postgres_server_url)
    try:
        for name in made:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.mark.time_limit(REHEARSAL_SECONDS + 60)
async def test_a_rehearsed_cohort_ends_and_its_report_is_the_record_s(
    dev_env: WorkflowEnvironment,
    postgres_server_url: str,
    rehearsal_databases: list[str],
    tmp_path: Path,
) -> None:
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=postgres_server_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
    )
    rehearsed = await asyncio.to_thread(
        run_cli,
        "rehearse",
        str(EXAMPLES / "rehearsal-cohort.yaml"),
        "--policy",
        str(EXAMPLES / "rehearsal-policy.yaml"),
        "--time-scale",
        TIME_SCALE,
        "--json",
        env=env,
        timeout=REHEARSAL_SECONDS,
    )
    assert rehearsed.returncode == 0, rehearsed.stderr[-3000:]
    report = json.loads(rehearsed.stdout)
    rehearsal_databases.append(report["database"])
    url = with_database(postgres_server_url, report["database"])

    connection = await asyncpg.connect(url)
    try:
        statuses = dict(
            await connection.fetch("SELECT participant_id, status FROM participant_progress")
        )
        breakdowns = await connection.fetch(
            "SELECT stream, data->>'raised_by' AS by FROM events "
            "WHERE type = 'ConcernRaised' AND data->>'kind' = 'placement_breakdown'"
        )
        streams = await connection.fetch(
            "SELECT stream, array_agg(version ORDER BY version) AS versions, "
            "count(DISTINCT event_id) AS ids FROM events GROUP BY stream"
        )
    finally:
        await connection.close()
    assert statuses == {
        "NW29-01": "completed",
        "NW29-02": "completed",
        "NW29-04": "withdrawn",
        "NW29-05": "completed",
        "NW29-06": "completed",
        "NW29-07": "completed",
    }
    assert len(streams) > len(statuses)  # the cohort's and the case files' too
    for stream in streams:
        versions = list(stream["versions"])
        assert versions == list(range(1, len(versions) + 1)), stream["stream"]
        assert stream["ids"] == len(versions), stream["stream"]

    # The Registered Manager reported the breakdown (it opened a case, or joined the open one).
    assert [tuple(row) for row in breakdowns] == [("participant-NW29-01", "rm-ashworth")]
    withdrawn = [c for c in report["interventions"] if c["outcome"] == "withdraw"]
    assert [c["participant_id"] for c in withdrawn] == ["NW29-04"]
    assert sum(report["mails"].values()) > 0 and report["tasks"]

    on_record = run_cli(
        "report", "cohort", COHORT, "--format", "json", env=env | {"SCLS_DATABASE_URL": url}
    )
    assert on_record.returncode == 0, on_record.stderr
    assert report["measures"] == json.loads(on_record.stdout)

    backtest = ("forecast", "--backtest", "--cohort", COHORT, "--seed", "1", "--json")
    tested = run_cli(*backtest, env=env | {"SCLS_DATABASE_URL": url})
    assert tested.returncode == 0, tested.stderr
    figures = json.loads(tested.stdout)
    assert figures == json.loads(run_cli(*backtest, env=env | {"SCLS_DATABASE_URL": url}).stdout)
    forecast = figures["forecast"]
    assert forecast["participants"] == 6 and figures["actual_completions"] == 5
    assert figures["completions_error"] == round(forecast["completions_mean"] - 5, 2)
    assert (
        forecast["completions_low"] <= forecast["completions_mean"] <= forecast["completions_high"]
    )
    assert figures["readiness_error_days"] is not None
