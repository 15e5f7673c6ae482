"""`scls cohort attendance` against a cohort's workflow on the dev server: the cohort's ops
lead records who came to a conference, in two goes that add up; anyone else is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.ids import cohort_workflow_id, participant_workflow_id
from store.cohort_summary import COHORT_SUMMARY
from tests.cli import run_cli_async
from tests.inbox.test_tasks_cli_workflow import cli_env
from tests.workflows.programme_driver import cohort_definition, eventually, wait_until_started
from worker import build_worker
from workflows.cohort import CohortRun, CohortWorkflow

pytestmark = pytest.mark.postgres


async def test_the_ops_lead_records_attendance_in_two_goes_and_others_are_refused(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    # Given a cohort of four, in real time, starting in four weeks
    env = cli_env(tmp_path, dev_env, database_url)
    definition = cohort_definition(4, start=await dev_env.get_current_time() + timedelta(weeks=4))
    cohort_id = definition.cohort_id
    one, two, three, four = (p.participant_id for p in definition.participants)
    task_queue = f"attendance-{uuid.uuid4().hex[:8]}"
    async with build_worker(dev_env.client, pool, task_queue):
        handle = await dev_env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_workflow_id(cohort_id),
            task_queue=task_queue,
        )
        participants = [participant_workflow_id(p.participant_id) for p in definition.participants]
        await wait_until_started(dev_env.client, participants)
        try:
            attendance = ("cohort", "attendance", cohort_id, "--conference", "1")
            # A Registered Manager may not record it: exit 1, in the rule's words
            refused = await run_cli_async(*attendance, "--attended", one, "--by", "rm-00", env=env)
            assert refused.returncode == 1, refused.stderr
            assert (
                f"rm-00 may not record attendance at the conferences of cohort {cohort_id}: "
                "only its ops lead ops-1 may"
            ) in " ".join(refused.stderr.split())
            # Nobody named is a usage slip, and a stranger is refused
            nobody = await run_cli_async(*attendance, "--by", "ops-1", env=env)
            assert nobody.returncode == 2 and "name who attended" in nobody.stderr
            stranger = await run_cli_async(
                *attendance, "--attended", "P-nobody", "--by", "ops-1", env=env
            )
            assert stranger.returncode == 1 and "P-nobody is not in cohort" in stranger.stderr

            # The ops lead records two there and one away, then the late-comer
            first = await run_cli_async(
                *attendance, "--attended", f"{one},{two}", "--absent", three, "--by", "ops-1",
                env=env,
            )  # fmt: skip
            assert first.returncode == 0, first.stderr
            assert "2 attended, 1 absent, 1 not recorded" in first.stdout
            second = await run_cli_async(
                *attendance, "--attended", three, "--absent", four, "--by", "ops-1", env=env
            )
            assert second.returncode == 0, second.stderr
            assert second.stdout.strip().endswith(": 3 attended, 1 absent, 0 not recorded")

            # And the cohort's read model, which participants' pages read, says the same
            state = await eventually(
                lambda: COHORT_SUMMARY.load(pool, cohort_id),
                lambda s: s is not None and s.conferences[1].absent == (four,),
            )
            assert state is not None
            assert state.conferences[1].attended == tuple(sorted((one, two, three)))
        finally:
            for workflow_id in (*participants, handle.id):
                await dev_env.client.get_workflow_handle(workflow_id).terminate("test over")

    unknown = await run_cli_async(
        "cohort", "attendance", "C-none", "--conference", "1", "--attended", one, "--by", "ops-1",
        env=env,
    )  # fmt: skip
    assert unknown.returncode == 2 and "cohort C-none has no running workflow" in unknown.stderr
