"""`scls sessions record|list` against a participant's workflow on the dev server: the
coach and the mentor record sessions, anyone else is refused with the rule's words, the
notes never leave the event store for the command line or the read models, and the
participant's record rebuilt by `scls projections rebuild` is the one kept live."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from domain.participant.state import ParticipantState
from store.participant_progress import PARTICIPANT_PROGRESS
from store.session_notes import session_notes
from tests.cli import run_cli_async
from tests.domain.domain_builders import SUPPORT
from tests.inbox.test_tasks_cli_workflow import cli_env
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

NOTES = "Worried about the night shifts; wants to talk to her manager."


@pytest.fixture
async def participant(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[tuple[str, WorkflowHandle]]:
    """A participant enrolled now, in real time, starting in two weeks: nothing falls due
    meanwhile, so their record holds still for the comparisons."""
    task_queue = f"sessions-{uuid.uuid4().hex[:8]}"
    participant_id = f"P-{uuid.uuid4().hex[:8]}"
    enrolment = Enrol(
        participant_id=participant_id,
        cohort_id="C-north-2027",
        programme_version="2025.1",
        programme_start=datetime.now(UTC) + timedelta(weeks=2),
        home_id="H-1",
        support=SUPPORT,
    )
    async with build_worker(dev_env.client, pool, task_queue):
        handle = await dev_env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(participant_id),
            task_queue=task_queue,
        )
        await until(handle, lambda state: state.version > 0)
        try:
            yield participant_id, handle
        finally:
            await handle.terminate("test over")


async def until(handle: WorkflowHandle, done: Any) -> ParticipantState:
    """The workflow's state once `done(state)` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        state: ParticipantState = await handle.query(ParticipantWorkflow.state)
        if done(state) or loop.time() > deadline:
            return state
        await asyncio.sleep(0.05)


async def test_the_coach_and_mentor_record_sessions_and_others_are_refused(
    participant: tuple[str, WorkflowHandle],
    dev_env: WorkflowEnvironment,
    database_url: str,
    pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    pid, handle = participant
    env = cli_env(tmp_path, dev_env, database_url)
    record = ("sessions", "record", pid, "--minutes", "50", "--theme", "wellbeing")

    # Their Registered Manager may not record coaching: exit 1, in the rule's words.
    refused = await run_cli_async(*record, "--kind", "coaching", "--by", "P-rm-1", env=env)
    assert refused.returncode == 1, refused.stderr
    assert (
        f"refused: P-rm-1 may not record a coaching session for participant {pid}: only "
        "their coach P-coach-1 may"
    ) in " ".join(refused.stderr.split())
    future = await run_cli_async(
        *record, "--kind", "coaching", "--by", "P-coach-1", "--on", "2099-01-01", env=env
    )
    assert future.returncode == 1 and "is in the future" in future.stderr
    not_a_date = await run_cli_async(
        *record, "--kind", "coaching", "--by", "P-coach-1", "--on", "Tuesday", env=env
    )
    assert not_a_date.returncode == 2
    assert "--on 'Tuesday' is not a date" in not_a_date.stderr

    # The coach records one, the notes from stdin; the mentor one without notes.
    coached = await run_cli_async(
        *record, "--kind", "coaching", "--by", "P-coach-1", "--theme", "career",
        "--notes", "-", env=env, stdin=NOTES,
    )  # fmt: skip
    assert coached.returncode == 0, coached.stderr
    today = datetime.now(UTC).date()
    assert coached.stdout.strip() == (
        f"{pid}: coaching session 1 on {today} recorded (50 min, with notes)"
    )
    mentored = await run_cli_async(*record, "--kind", "mentoring", "--by", "P-mentor-1", env=env)
    assert mentored.returncode == 0, mentored.stderr

    # `list` says there are notes, never what they say.
    listed = await run_cli_async("sessions", "list", pid, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    shown = json.loads(listed.stdout)
    assert [(s["number"], s["kind"], s["has_notes"]) for s in shown["sessions"]] == [
        (1, "coaching", True),
        (2, "mentoring", False),
    ]
    assert shown["sessions"][0]["themes"] == ["wellbeing", "career"]
    # (In their enrolment no session is expected yet: the cadence starts with the care
    # placement.)
    assert shown["cadence"] == []
    table = await run_cli_async("sessions", "list", pid, env=env)
    assert "no sessions expected now" in table.stdout
    assert "P-coach-1" in table.stdout and NOTES not in table.stdout
    cohort = await run_cli_async("sessions", "list", "--cohort", "C-north-2027", "--json", env=env)
    assert cohort.returncode == 0 and json.loads(cohort.stdout) == []
    missed = await run_cli_async("sessions", "list", "--missed", env=env)
    assert missed.returncode == 0 and missed.stdout.strip() == "no session missed"
    unknown = await run_cli_async("sessions", "list", "P-nobody", env=env)
    assert unknown.returncode == 2 and "no participant P-nobody is on record" in unknown.stderr

    # The notes are in the event store, sealed with the participant's key (the table holds
    # no plaintext), and nowhere else in Postgres.
    assert await session_notes(pool, pid, [1, 2]) == {1: NOTES}
    assert (
        await pool.fetchval("SELECT count(*) FROM events WHERE data::text LIKE '%night shifts%'")
        == 0
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM participant_progress WHERE state::text LIKE '%night shifts%'"
        )
        == 0
    )

    # The read model is the workflow's state, and a rebuild gives the very same record.
    live = await handle.query(ParticipantWorkflow.state)
    assert [s.number for s in live.support_sessions] == [1, 2]
    assert await PARTICIPANT_PROGRESS.load(pool, pid) == live
    before = await snapshot(pool, pid)
    rebuilt = await run_cli_async("projections", "rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert await snapshot(pool, pid) == before


async def snapshot(pool: asyncpg.Pool, pid: str) -> dict[str, list[dict[str, object]]]:
    return {
        table: [
            dict(row)
            for row in await pool.fetch(
                f"SELECT * FROM {table} WHERE participant_id = $1 ORDER BY 1, 2", pid
            )
        ]
        for table in ("participant_progress", "task_inbox")
    }
