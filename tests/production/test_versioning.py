"""Worker Versioning on the dev server, with two builds of the worker running side by side
(docs/versioning.md): a participant started on build A stays on A after B becomes the
current build, a participant started then goes to B, and the first one moves to B by
continuing as new at its next wake-up, its state carried over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.api.enums.v1 import VersioningBehavior
from temporalio.api.workflowservice.v1 import SetWorkerDeploymentCurrentVersionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.participant.state import ParticipantState
from domain.programme.tasks import Outcome
from scls.settings import load_settings
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def build(
    client: Client, pool: asyncpg.Pool, task_queue: str, deployment: str, build_id: str
) -> AsyncIterator[None]:
    """A worker polling as `build_id` of `deployment`, made the deployment's current
    build once Temporal knows it (as `temporal worker deployment set-current-version`)."""
    settings = load_settings(worker_deployment_name=deployment, worker_build_id=build_id)
    async with build_worker(client, pool, task_queue, settings):

        async def make_current() -> bool:
            try:
                await client.workflow_service.set_worker_deployment_current_version(
                    SetWorkerDeploymentCurrentVersionRequest(
                        namespace=client.namespace,
                        deployment_name=deployment,
                        build_id=build_id,
                        identity="test",
                    )
                )
            except RPCError:  # the build has not polled yet
                return False
            return True

        assert await eventually(make_current, bool), f"{build_id} never became current"
        yield


async def running_on(handle: WorkflowHandle) -> tuple[str, str, int]:
    """(run id, build id, behaviour) of the workflow's latest run, once a build has
    completed a workflow task of it (until then a continued run shows the behaviour it
    started with, AUTO_UPGRADE, and its predecessor's build)."""
    latest = handle._client.get_workflow_handle(handle.id)

    async def describe() -> tuple[str, str, int]:
        description = await latest.describe()
        versioning = description.raw_description.workflow_execution_info.versioning_info
        return description.run_id, versioning.deployment_version.build_id, versioning.behavior

    return await eventually(
        describe, lambda found: found[2] == VersioningBehavior.VERSIONING_BEHAVIOR_PINNED
    )


async def test_two_builds_side_by_side_and_a_participant_moving_on_at_continue_as_new(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    client = dev_env.client
    task_queue = f"versioning-{uuid.uuid4().hex[:8]}"
    deployment = f"scls-{uuid.uuid4().hex[:8]}"
    first, second = enrolments(cohort_definition(2, start=datetime.now(UTC) + timedelta(weeks=4)))

    async def start(enrolment: object) -> WorkflowHandle:
        return await client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),  # type: ignore[arg-type]
            id=participant_workflow_id(enrolment.participant_id),  # type: ignore[attr-defined]
            task_queue=task_queue,
        )

    async with AsyncExitStack() as builds:
        await builds.enter_async_context(build(client, pool, task_queue, deployment, "A"))
        on_a = await start(first)
        run_on_a, build_id, behaviour = await running_on(on_a)
        assert (build_id, behaviour) == ("A", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)

        # Release B beside A: new participants go to B, the running one stays on A.
        await builds.enter_async_context(build(client, pool, task_queue, deployment, "B"))
        on_b = await start(second)
        assert (await running_on(on_b))[1:] == ("B", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)
        assert await running_on(on_a) == (run_on_a, "A", behaviour)

        # Its next wake-up (a decision) is handled by A, and the run continues as new: the
        # next run starts on B, with everything the first run knew.
        state: ParticipantState = await on_a.query(ParticipantWorkflow.state)
        ops = state.enrolled().support.ops_lead
        decided = await on_a.execute_update(
            ParticipantWorkflow.decide,
            TaskDecision(task_id="pre_start_checks", decided_by=ops, outcome=Outcome.APPROVE),
        )
        history = await client.get_workflow_handle(on_a.id, run_id=run_on_a).fetch_history()
        builds_of_a = {
            event.workflow_task_completed_event_attributes.deployment_version.build_id
            for event in history.events
            if event.HasField("workflow_task_completed_event_attributes")
        }
        assert builds_of_a == {"A"}
        assert history.events[-1].HasField("workflow_execution_continued_as_new_event_attributes")

        run_now, build_now, behaviour_now = await running_on(on_a)
        assert run_now != run_on_a
        assert (build_now, behaviour_now) == ("B", VersioningBehavior.VERSIONING_BEHAVIOR_PINNED)
        moved: ParticipantState = await on_a.query(ParticipantWorkflow.state)
        assert moved.tasks["pre_start_checks"] == decided.tasks["pre_start_checks"]
        assert moved.version == decided.version

        for handle in (on_a, on_b):
            await client.get_workflow_handle(handle.id).terminate("test over")
