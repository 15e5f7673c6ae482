"""`scls participant concern/timesheet` and `scls interventions ...` through the real
command line, against a participant's workflow on the dev server and real Postgres."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from store.participant_progress import PARTICIPANT_PROGRESS
from tests.cli import run_cli_async
from tests.domain.domain_builders import SUPPORT
from tests.inbox.test_tasks_cli_workflow import cli_env
from tests.workflows.programme_driver import eventually
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres


async def test_a_concern_opens_a_case_the_lead_decides_and_ops_approve_through_the_cli(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    task_queue = f"cases-cli-{uuid.uuid4().hex[:8]}"
    pid = f"P-{uuid.uuid4().hex[:8]}"
    enrolment = Enrol(
        participant_id=pid,
        cohort_id="C-north-2027",
        programme_version="2025.1",
        programme_start=datetime.now(UTC) + timedelta(weeks=2),  # real time: nothing moves
        home_id="H-1",
        support=SUPPORT,
    )
    env = cli_env(tmp_path, dev_env, database_url) | {"SCLS_TEMPORAL_TASK_QUEUE": task_queue}

    async def scls(*args: str):  # type: ignore[no-untyped-def]
        return await run_cli_async(*args, env=env)

    async with build_worker(dev_env.client, pool, task_queue):
        handle = await dev_env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(pid),
            task_queue=task_queue,
        )
        stranger = await scls("participant", "concern", pid, "--by", "nobody", "--reason", "x")
        raised = await scls(
            "participant",
            "concern",
            pid,
            "--by",
            "P-mentor-1",
            "--safeguarding",
            "--reason",
            "left a resident unattended",
        )
        sheet = await scls(
            "participant",
            "timesheet",
            pid,
            "--week",
            "2027-09-06",
            "--care-hours",
            "30",
            "--management-hours",
            "7.5",
            "--by",
            "P-rm-1",
        )
        await eventually(
            lambda: pool.fetchval(
                "SELECT count(*) FROM intervention_case WHERE participant_id = $1", pid
            ),
            lambda count: count == 1,
        )
        listed = await scls("interventions", "list", "--open", "--json")
        incomplete = await scls(
            "interventions",
            "decide",
            f"{pid}/1",
            "--as",
            "P-devlead-1",
            "--outcome",
            "move",
            "--home",
            "H-2",
        )
        not_lead = await scls(
            "interventions",
            "decide",
            f"{pid}/1",
            "--as",
            "P-rm-1",
            "--outcome",
            "extend",
            "--weeks",
            "4",
        )
        # The same refused answer sent without waiting exits 0; the case file keeps why.
        unheard = await scls(
            "interventions",
            "decide",
            f"{pid}/1",
            "--as",
            "P-rm-1",
            "--outcome",
            "extend",
            "--weeks",
            "4",
            "--no-wait",
        )
        refused_row = await eventually(
            lambda: scls("interventions", "list", "--participant", pid, "--json"),
            lambda shown: bool(json.loads(shown.stdout)[0]["refusals"]),
        )
        proposed = await scls(
            "interventions",
            "decide",
            f"{pid}/1",
            "--as",
            "P-devlead-1",
            "--outcome",
            "extend",
            "--weeks",
            "4",
        )
        not_ops = await scls("interventions", "approve", f"{pid}/1", "--as", "P-devlead-1")
        approved = await scls(
            "interventions", "approve", f"{pid}/1", "--as", "P-ops-1", "--no-wait"
        )
        state = await eventually(
            lambda: handle.query(ParticipantWorkflow.state), lambda s: not s.open_interventions
        )
        closed = await scls("interventions", "list", "--participant", pid)
        await handle.terminate("test over")

    assert stranger.returncode == 1, stranger.stderr
    assert "nobody does not support participant" in stranger.stderr
    assert raised.returncode == 0, raised.stderr
    assert raised.stdout.strip() == (
        f"{pid}: intervention 1 open (safeguarding), suspended from unsupervised care"
    )
    # Still in enrolment: there is no management time to keep yet.
    assert sheet.returncode == 1
    assert "which has no management time target" in sheet.stderr
    rows = json.loads(listed.stdout)
    assert [
        (r["participant_id"], r["case_number"], r["kind"], r["severity"], r["stage"])
        for r in rows
        if r["participant_id"] == pid
    ] == [(pid, 1, "safeguarding", "high", "awaiting_decision")]
    assert incomplete.returncode == 2
    assert "a move outcome needs --registered-manager, --employer-mentor" in incomplete.stderr
    assert not_lead.returncode == 1
    assert "P-rm-1 is not the Development Lead of intervention 1" in not_lead.stderr
    assert proposed.returncode == 0 and proposed.stdout.strip() == f"{pid}/1: awaiting approval"
    assert not_ops.returncode == 1 and "P-devlead-1 is not ops for intervention 1" in not_ops.stderr
    assert unheard.returncode == 0, unheard.stderr
    (refusal,) = json.loads(refused_row.stdout)[0]["refusals"]
    assert (refusal["step"], refusal["by"]) == ("propose", "P-rm-1")
    assert "P-rm-1 is not the Development Lead of intervention 1" in refusal["reason"]
    # Ops' approval sent without waiting is applied all the same.
    assert approved.returncode == 0 and approved.stdout.startswith(f"{pid}/1: sent")
    assert not state.suspended and state.rag == "green"
    assert state.expected_end is not None
    stored = await PARTICIPANT_PROGRESS.load(pool, pid)
    assert stored is not None and stored.interventions[1].outcome is not None
    assert "closed" in closed.stdout and "extend" in closed.stdout
