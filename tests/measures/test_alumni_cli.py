"""`scls alumni register-rm` through the real command line, against an alumni workflow on
the dev server and real Postgres: ops record an alumnus' registration with CQC as a
Registered Manager, and every refusal says what was wrong with nothing recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.alumni.events import AlumniRecordOpened
from domain.ids import alumni_workflow_id
from domain.programme.phases import ParticipantStatus
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink
from tests.cli import run_cli_async
from tests.inbox.test_tasks_cli_workflow import cli_env
from worker import build_worker
from workflows.alumni import AlumniRun, AlumniWorkflow

pytestmark = pytest.mark.postgres

OPS, MANAGER = "P-ops-9", "P-rm-9"


async def test_ops_record_a_registration_as_registered_manager_and_refusals_say_why(
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    sink: SmtpSink,
    tmp_path: Path,
) -> None:
    person = f"P-{uuid.uuid4().hex[:8]}"
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [
            (person, "Alex Alumnus", "alex@scls.test", ["participant"]),
            (OPS, "Olive Ops", "olive@scls.test", ["ops"]),
            (MANAGER, "Rita Manager", "rita@scls.test", ["registered_manager"]),
        ],
    )
    left_at = datetime.now(UTC) - timedelta(days=90)
    opening = AlumniRecordOpened(
        person_id=person,
        cohort_id="C-alumni-cli",
        left_as=ParticipantStatus.COMPLETED,
        left_at=left_at,
        home_id="H-1",
        ops_lead=OPS,
        opened_at=left_at,
    )
    task_queue = f"alumni-cli-{uuid.uuid4().hex[:8]}"
    settings = load_settings(smtp_host=sink.host, smtp_port=sink.port, smtp_sender="scls@scls.test")
    env = cli_env(tmp_path, dev_env, database_url) | {"SCLS_TEMPORAL_TASK_QUEUE": task_queue}
    left, today = left_at.date(), datetime.now(UTC).date()
    registered = (left + timedelta(days=30)).isoformat()

    async def register(who: str, since: str, *more: str):  # type: ignore[no-untyped-def]
        return await run_cli_async(
            "alumni", "register-rm", who, "--since", since, "--by", *more, env=env
        )

    async with build_worker(dev_env.client, pool, task_queue, settings):
        await dev_env.client.start_workflow(
            AlumniWorkflow.run,
            AlumniRun(opening=opening),
            id=alumni_workflow_id(person),
            task_queue=task_queue,
        )
        not_a_date = await register(person, "1st May", OPS)
        stranger = await register(person, registered, "P-nobody")
        not_ops = await register(person, registered, MANAGER)
        before_leaving = await register(person, (left - timedelta(days=1)).isoformat(), OPS)
        to_come = await register(person, (today + timedelta(days=1)).isoformat(), OPS)
        no_record = await register("P-never-enrolled", registered, OPS)
        nothing_yet = await pool.fetchval(
            "SELECT rm_registered_on FROM alumni_record WHERE person_id = $1", person
        )
        done = await register(person, registered, OPS, "--location", "1-100")

    assert (not_a_date.returncode, stranger.returncode, not_ops.returncode) == (2, 1, 1)
    assert "--since '1st May' is not a date" in not_a_date.stderr
    assert "P-nobody is not in the people directory" in stranger.stderr
    assert f"{MANAGER} may not record {person}'s registration: they or ops do" in " ".join(
        not_ops.stderr.split()
    )
    assert before_leaving.returncode == 1
    assert f"is before they left the programme on {left}" in before_leaving.stderr
    assert to_come.returncode == 1 and "is a date still to come" in to_come.stderr
    assert no_record.returncode == 2
    assert "the alumni record of P-never-enrolled has no running workflow" in " ".join(
        no_record.stderr.split()
    )
    assert nothing_yet is None
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"{person}: registered with CQC as Registered Manager on {registered} at 1-100"
    )
    row = await pool.fetchrow(
        "SELECT rm_registered_on, state->'rm_registration'->>'recorded_by' AS recorded_by "
        "FROM alumni_record WHERE person_id = $1",
        person,
    )
    assert (row["rm_registered_on"].isoformat(), row["recorded_by"]) == (registered, OPS)
