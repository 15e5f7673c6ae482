"""A workflow whose task keeps failing shows in `scls health` and in the worker's log.

A deliberately broken workflow runs beside a healthy one on the dev server: its code
raises a plain exception (a bug, as far as Temporal knows), so its task is retried for ever
while its status stays Running.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.event_log import NewEvent
from contracts.search_attributes import COHORT_ID
from domain.cohort.decide import open_cohort
from scls.failing_workflows import failing_workflows
from scls.logging import configure_logging
from scls.settings import load_settings
from store.events import append
from store.read_models import PROJECTIONS
from tests.cli import run_cli_async, stack_env
from tests.health.broken_workflows import FAILURE, BrokenWorkflow, WaitingWorkflow
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import workflow_runner


@pytest.fixture
def worker_log() -> Iterator[io.StringIO]:
    """The engine's logging (as `scls worker` sets it up), into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(load_settings(log_format="json"), stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


async def test_a_workflow_whose_task_keeps_failing_is_listed_and_logged(
    dev_env: WorkflowEnvironment, worker_log: io.StringIO, tmp_path: Path
) -> None:
    client = dev_env.client
    task_queue = f"health-{uuid.uuid4().hex[:8]}"
    broken_id, waiting_id = f"broken-{task_queue}", f"waiting-{task_queue}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[BrokenWorkflow, WaitingWorkflow],
        workflow_runner=workflow_runner(),
    ):
        broken = await client.start_workflow(
            BrokenWorkflow.run, id=broken_id, task_queue=task_queue
        )
        waiting = await client.start_workflow(
            WaitingWorkflow.run, id=waiting_id, task_queue=task_queue
        )
        listed = await eventually(
            lambda: failing_workflows(client),
            lambda found: broken_id in {f.workflow_id for f in found},
        )
        env = stack_env(tmp_path, SCLS_TEMPORAL_ADDRESS=client.service_client.config.target_host)
        shown = await run_cli_async("health", "--json", env=env)
        await broken.terminate("test over")
        await waiting.terminate("test over")

    mine = [f for f in listed if f.workflow_id in (broken_id, waiting_id)]
    assert [f.workflow_id for f in mine] == [broken_id]
    assert mine[0].attempts >= 2 and mine[0].failure == FAILURE
    assert mine[0].cause == "WORKFLOW_WORKER_UNHANDLED_FAILURE"

    assert shown.returncode == 1, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    by_id = {row["workflow_id"]: row for row in rows}
    assert by_id[broken_id]["failure"] == FAILURE and waiting_id not in by_id

    # The worker's own log says it too, at warning, naming the workflow and the failure.
    lines = [json.loads(line) for line in worker_log.getvalue().splitlines() if line]
    warnings = [
        line
        for line in lines
        if line["level"] in ("warning", "error") and broken_id in line["event"]
    ]
    assert warnings and FAILURE in warnings[0].get("exception", ""), lines


async def test_health_says_so_when_nothing_is_failing(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    # A namespace of its own, so other tests' workflows do not count.
    namespace = f"health-{uuid.uuid4().hex[:8]}"
    await dev_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    env = stack_env(
        tmp_path,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_NAMESPACE=namespace,
    )
    shown = await eventually(
        lambda: run_cli_async("health", env=env), lambda result: result.returncode == 0
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "no workflow has a failing workflow task"


@pytest.mark.postgres
async def test_cohort_status_names_the_cohorts_workflow_that_is_stuck(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    client = dev_env.client
    task_queue = f"stuck-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(2, start=datetime.now(UTC) + timedelta(weeks=2))
    cohort_id = definition.cohort_id
    opened = open_cohort(definition, datetime.now(UTC))
    batch = [NewEvent.of(event) for event in opened]
    await append(pool, PROJECTIONS, f"cohort-{cohort_id}", 0, batch)
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=client.service_client.config.target_host,
    )
    healthy = await run_cli_async("cohort", "status", cohort_id, env=env)
    stuck_id = f"participant-{cohort_id}-P00"
    async with Worker(
        client, task_queue=task_queue, workflows=[BrokenWorkflow], workflow_runner=workflow_runner()
    ):
        broken = await client.start_workflow(
            BrokenWorkflow.run,
            id=stuck_id,
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(COHORT_ID, cohort_id)]),
        )
        await eventually(
            lambda: failing_workflows(client, f'WorkflowId="{stuck_id}"'), lambda found: bool(found)
        )
        shown = await run_cli_async("cohort", "status", cohort_id, env=env)
        as_json = await run_cli_async("cohort", "status", cohort_id, "--json", env=env)
        await broken.terminate("test over")
    unreachable = await run_cli_async(
        "cohort", "status", cohort_id, env=env | {"SCLS_TEMPORAL_ADDRESS": "127.0.0.1:1"}
    )

    assert healthy.returncode == 0 and "workflows     none stuck" in healthy.stdout
    assert shown.returncode == 0, shown.stderr
    assert f"workflows     1 stuck on a failing task: {stuck_id}" in shown.stdout
    assert json.loads(as_json.stdout)["failing_workflows"] == [stuck_id]
    # Postgres alone still answers; only the workflows' health is unknown.
    assert unreachable.returncode == 0, unreachable.stderr
    assert "health unknown: Temporal did not answer" in unreachable.stdout
