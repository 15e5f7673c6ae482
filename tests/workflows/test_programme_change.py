"""`scls participant change-programme` against participants' workflows on the dev server:
ops move participants in their enrolment from the 2024.1 programme to 2025.1; the
record says so, and a second move, a move by someone else and an unknown participant
are refused with the rule's words. Each move first prints its preview and asks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from store.events import read_stream
from tests.cli import run_cli_async, stack_env
from tests.domain.domain_builders import SUPPORT
from tests.workflows.programme_driver import eventually
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

COHORT = f"C-{uuid.uuid4().hex[:6]}"


@pytest.fixture
async def participants(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[dict[str, WorkflowHandle]]:
    """Two participants of one cohort on programme 2024.1, starting in two weeks."""
    task_queue = f"programme-{uuid.uuid4().hex[:8]}"
    handles: dict[str, WorkflowHandle] = {}
    async with build_worker(dev_env.client, pool, task_queue):
        for n in (1, 2):
            participant_id = f"{COHORT}-P{n}"
            enrolment = Enrol(
                participant_id=participant_id,
                cohort_id=COHORT,
                programme_version="2024.1",
                programme_start=datetime.now(UTC) + timedelta(weeks=2),
                home_id="H-1",
                support=SUPPORT,
            )
            handles[participant_id] = await dev_env.client.start_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment),
                id=participant_workflow_id(participant_id),
                task_queue=task_queue,
            )
        for handle in handles.values():
            await eventually(
                lambda h=handle: h.query(ParticipantWorkflow.state), lambda s: s.version > 0
            )
        try:
            yield handles
        finally:
            for handle in handles.values():
                await handle.terminate("test over")


async def test_ops_move_participants_to_the_new_programme_and_the_record_says_so(
    participants: dict[str, WorkflowHandle],
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
    )
    first, second = participants
    move = ("participant", "change-programme", "--to", "2025.1", "--reason", "2025 standards")

    not_ops = await run_cli_async(*move, first, "--by", "P-rm-1", "--yes", env=env)
    assert not_ops.returncode == 1, not_ops.stderr
    assert "P-rm-1 may not change the programme of participant" in not_ops.stderr
    assert "on 0 of 1 participants" in not_ops.stdout

    declined = await run_cli_async(*move, first, second, "--by", "P-ops-1", env=env, stdin="n\n")
    assert declined.returncode == 2 and "nothing changed" in declined.stderr
    assert declined.stdout.count("care_certificate.16 added") == 2, declined.stdout
    moved = await run_cli_async(*move, first, second, "--by", "P-ops-1", env=env, stdin="y\n")
    assert moved.returncode == 0, moved.stderr
    assert "2 participants: 2 would change, 0 would be refused, 0 unchanged" in moved.stdout
    assert moved.stdout.strip().endswith("moved to programme 2025.1 on 2 of 2 participants")
    for participant_id, handle in participants.items():
        state = await handle.query(ParticipantWorkflow.state)
        assert state.programme_version == "2025.1"
        stream = await read_stream(pool, participant_workflow_id(participant_id))
        changes = [e for e in stream if e.type == "ProgrammeVersionChanged"]
        assert len(changes) == 1 and changes[0].metadata.actor == "P-ops-1"

    shown = await run_cli_async("participant", "show", first, env=env)
    assert "programme    2025.1 (moved from 2024.1 on " in shown.stdout, shown.stdout
    timeline = await run_cli_async("participant", "timeline", first, env=env)
    assert "programme changed from 2024.1 to 2025.1 by P-ops-1: 2025 standards" in timeline.stdout

    # The whole cohort again: both already follow 2025.1, and nothing more is recorded.
    again = await run_cli_async(*move, "--cohort", COHORT, "--by", "P-ops-1", "--yes", env=env)
    assert again.returncode == 1
    assert again.stderr.count("already follows programme 2025.1") == 2
    for participant_id in participants:
        stream = await read_stream(pool, participant_workflow_id(participant_id))
        assert [e.type for e in stream].count("ProgrammeVersionChanged") == 1

    nobody = await run_cli_async(*move, "P-nobody", "--by", "P-ops-1", "--yes", env=env)
    assert nobody.returncode == 2 and "no participant P-nobody is on record" in nobody.stderr
    no_cohort = await run_cli_async(*move, "--cohort", "C-none", "--by", "P-ops-1", env=env)
    assert no_cohort.returncode == 2 and "no cohort C-none is on record" in no_cohort.stderr
