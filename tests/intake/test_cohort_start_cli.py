"""`scls cohort start` and the reads that follow it, through the real command line against
the dev server, a worker and Postgres: the example starts once, a second start starts
nothing, and status, show, timeline and report tell what the workflows did."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.ids import cohort_workflow_id, participant_workflow_id
from store.events import read_stream
from tests.cli import run_cli_async, stack_env
from tests.intake.cohort_files import (
    EXAMPLE_CSV,
    EXAMPLE_YAML,
    csv_text,
    example_rows,
    renamed_cohort,
)
from worker import build_worker

pytestmark = pytest.mark.postgres


@pytest.fixture
async def cli_env(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """The CLI's environment, with a worker of its own task queue running meanwhile."""
    task_queue = f"intake-{uuid.uuid4().hex[:8]}"
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=task_queue,
    )
    async with build_worker(dev_env.client, pool, task_queue):
        yield env


async def _terminate(dev_env: WorkflowEnvironment, cohort_id: str, participants: list[str]) -> None:
    """The dev server lives for the whole session: leave nothing sleeping until 2029."""
    for workflow_id in [cohort_workflow_id(cohort_id), *map(participant_workflow_id, participants)]:
        await dev_env.client.get_workflow_handle(workflow_id).terminate("test over")


async def test_the_example_starts_once_and_the_reads_show_what_the_workflows_did(
    cli_env: dict[str, str], dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    participants = [row["participant_id"] for row in example_rows()]
    started = await run_cli_async("cohort", "start", str(EXAMPLE_CSV), env=cli_env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started cohort NW-2029: 30 participants, 30 enrolled"
    try:
        # The same cohort again, from the YAML file: it runs already; nothing starts twice.
        again = await run_cli_async("cohort", "start", str(EXAMPLE_YAML), "--json", env=cli_env)
        assert again.returncode == 0, again.stderr
        second = json.loads(again.stdout)
        assert (second["started"], second["enrolled"]) == (False, 30)
        assert "cohort NW-2029 already runs" in second["message"]
        assert second["message"].endswith("30 of 30 participants enrolled; nothing started")
        await asyncio.sleep(1)  # what a duplicate start would have written, it would have by now
        cohort_events = Counter(e.type for e in await read_stream(pool, "cohort-NW-2029"))
        assert cohort_events["CohortOpened"] == 1 and cohort_events["ParticipantJoined"] == 30
        for pid in participants:
            stream = await read_stream(pool, participant_workflow_id(pid))
            assert [e.type for e in stream].count("ParticipantEnrolled") == 1

        # The directory got its people: participants, staff, homes and employers.
        people = await pool.fetchval("SELECT count(*) FROM people")
        homes = await pool.fetchval("SELECT count(*) FROM homes")
        assert (people, homes) == (67, 12)

        await _check_reads(cli_env)
    finally:
        await _terminate(dev_env, "NW-2029", participants)


async def _check_reads(env: dict[str, str]) -> None:
    listed = await run_cli_async("cohort", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    (cohort,) = json.loads(listed.stdout)
    assert (cohort["cohort_id"], cohort["hub"], cohort["participants"], cohort["active"]) == (
        "NW-2029",
        "North West",
        30,
        30,
    )

    status = await run_cli_async("cohort", "status", "NW-2029", "--json", env=env)
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["per_phase"] == {"enrolment": 30}
    assert shown["rag"] == {"green": 30}
    assert shown["per_status"] == {"active": 30}
    assert shown["open_tasks"] == 30 and shown["overdue"] == []
    assert shown["next_conference"]["number"] == 1
    table = await run_cli_async("cohort", "status", "NW-2029", env=env)
    assert "phases        30 enrolment" in table.stdout
    assert "tasks         30 open, 0 overdue" in table.stdout
    # Tables into a pipe keep every row on one line, whole: the task references ops copy
    # into `tasks decide` are not cut short to fit 80 columns.
    inbox = await run_cli_async("tasks", "list", "--cohort", "NW-2029", env=env)
    rows = [line for line in inbox.stdout.splitlines() if "/pre_start_checks" in line]
    assert len(rows) == 30 and "…" not in inbox.stdout
    assert all("Pre-start checks: selection, enhanced DBS, employer and home" in r for r in rows)

    person = await run_cli_async("participant", "show", "NW29-01", env=env)
    assert person.returncode == 0, person.stderr
    assert person.stdout.startswith("Fiona Walsh (NW29-01)\n")
    assert "cohort       NW-2029, home H-ashworth" in person.stdout
    assert "pre_start_checks" in person.stdout
    assert "RM Chloe Dunn (rm-ashworth), mentor George Lowe (mentor-ashworth)" in person.stdout
    assert "Xin Iqbal" in person.stdout, person.stdout  # the ops lead answers the checks

    timeline = await run_cli_async("participant", "timeline", "NW29-01", "--json", env=env)
    assert timeline.returncode == 0, timeline.stderr
    events = json.loads(timeline.stdout)
    assert [e["type"] for e in events] == ["ParticipantEnrolled", "PhaseStarted", "TaskOpened"]
    assert {e["actor"] for e in events} == {"system"}
    assert events[0]["summary"] == (
        "enrolled in cohort NW-2029 at home H-ashworth (programme 2025.1, starts 2029-07-02)"
    )

    report = await run_cli_async("report", "cohort", "NW-2029", "--format", "csv", env=env)
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[:5] == [
        "measure,breakdown,value",
        "recruited,,30",
        "progressing,,30",
        "completed,,0",
        "withdrawn,,0",
    ]
    assert "in_phase,enrolment,30" in lines


async def test_a_decision_shows_in_status_and_timeline_and_reads_need_no_worker(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    rows = renamed_cohort(example_rows(), "NW-2029-B", "NWB")
    path = tmp_path / "cohort-b.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    participants = [row["participant_id"] for row in rows]
    task_queue = f"intake-{uuid.uuid4().hex[:8]}"
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=task_queue,
    )
    # A Development Lead who also does ops work keeps that role when the cohort loads.
    await pool.execute(
        "INSERT INTO people (person_id, display_name, email, roles) "
        "VALUES ('nw-dl-1', 'Old Name', 'old@sclscheme.example', '{ops}')"
    )
    try:
        async with build_worker(dev_env.client, pool, task_queue):
            started = await run_cli_async("cohort", "start", str(path), env=env)
            assert started.returncode == 0, started.stderr
            dl = await pool.fetchrow("SELECT email, roles FROM people WHERE person_id = 'nw-dl-1'")
            assert (dl["email"], dl["roles"]) == (
                "callum.horvat@sclscheme.example",
                ["development_lead", "ops"],
            )
            decided = await run_cli_async(
                "tasks", "decide", "NWB-03/pre_start_checks", "--as", "nw-ops-1",
                "--outcome", "approve", env=env,
            )  # fmt: skip
            assert decided.returncode == 0, decided.stderr
        # The worker has stopped: the reads come from Postgres all the same.
        timeline = await run_cli_async("participant", "timeline", "NWB-03", env=env)
        assert timeline.returncode == 0, timeline.stderr
        assert "task pre_start_checks approved by nw-ops-1" in timeline.stdout
        status = await run_cli_async("cohort", "status", "NW-2029-B", "--json", env=env)
        assert json.loads(status.stdout)["open_tasks"] == 29
    finally:
        await _terminate(dev_env, "NW-2029-B", participants)


async def test_refused_starts_leave_nothing_behind(
    cli_env: dict[str, str], pool: asyncpg.Pool, tmp_path: Path
) -> None:
    # A participant already in another cohort (on record) is refused before anything runs.
    await pool.execute(
        "INSERT INTO participant_progress (participant_id, cohort_id, status, rag, version, "
        "state, updated_at) VALUES ('NWC-01', 'OTHER-1', 'active', 'green', 1, '{}', now())"
    )
    rows = renamed_cohort(example_rows(), "NW-2029-C", "NWC")
    path = tmp_path / "cohort-c.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    elsewhere = await run_cli_async("cohort", "start", str(path), env=cli_env)
    assert elsewhere.returncode == 1
    assert "participant NWC-01 is already in cohort OTHER-1; nothing started" in elsewhere.stderr

    # A person whose email someone else already has in the directory: all or nothing.
    await pool.execute(
        "INSERT INTO people (person_id, display_name, email, roles) "
        "VALUES ('someone-else', 'Someone Else', $1, '{coach}')",
        rows[1]["email"],
    )
    await pool.execute("DELETE FROM participant_progress")
    clash = await run_cli_async("cohort", "start", str(path), env=cli_env)
    assert clash.returncode == 1
    assert "the directory clashes with what is already stored" in clash.stderr
    assert "nothing started" in clash.stderr
    assert await pool.fetchval("SELECT count(*) FROM people") == 1
    assert await pool.fetchval("SELECT count(*) FROM events") == 0

    unknown = await run_cli_async("cohort", "status", "NOPE", env=cli_env)
    assert unknown.returncode == 2
    assert "no cohort NOPE is on record" in unknown.stderr
