"""Rotating the payload keys on the real dev server: a participant's history written under
key A is read and replayed after the rotation to key B, and what is written after it is
under B. A process that still has only key A cannot read it: the rotation took effect."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import asyncpg
import pytest
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.intervention.outcomes import ConcernKind
from domain.participant.commands import RaiseConcern
from domain.programme.tasks import Outcome
from scls.payload_codec import KEY_ID, data_converter
from scls.payload_keys import Keyring
from tests.payload_keys import KEY_A_ONLY, ROTATED_TO_B
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import build_worker, workflow_runner
from workflows import WORKFLOWS
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

pytestmark = pytest.mark.postgres


def _key_ids(history: WorkflowHistory) -> list[str]:
    """The key id of every encrypted payload, in history order."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            metadata = value.get("metadata")
            if isinstance(metadata, dict) and KEY_ID in metadata:
                found.append(base64.b64decode(metadata[KEY_ID]).decode())
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(history.to_json()))
    return found


async def _client(env: WorkflowEnvironment, keyring: Keyring) -> Client:
    return await Client.connect(
        env.client.service_client.config.target_host, data_converter=data_converter(keyring)
    )


async def _replays(history: WorkflowHistory, keyring: Keyring) -> bool:
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(keyring),
        workflow_runner=workflow_runner(),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure is None


async def test_histories_under_the_old_key_read_and_replay_after_a_rotation(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    task_queue = f"rotation-{uuid.uuid4().hex[:8]}"
    start = await dev_env.get_current_time() + timedelta(weeks=4)
    enrolment = enrolments(cohort_definition(2, start=start))[0]
    workflow_id = participant_workflow_id(enrolment.participant_id)

    before = await _client(dev_env, KEY_A_ONLY)
    async with build_worker(before, pool, task_queue):
        handle = await before.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )
        state = await eventually(
            lambda: handle.query(ParticipantWorkflow.state),
            lambda s: "pre_start_checks" in s.tasks,
        )
        await handle.execute_update(
            ParticipantWorkflow.raise_concern,
            RaiseConcern(by="rm-00", kind=ConcernKind.PLACEMENT_CONCERN, reason="before"),
        )
    written_before = await handle.fetch_history()
    assert set(_key_ids(written_before)) == {"test-2026-a"}

    # Rotated: a new worker and client, with key B current and A kept for reading. The
    # worker replays the run from its history (nothing cached), written under A.
    after = await _client(dev_env, ROTATED_TO_B)
    try:
        async with build_worker(after, pool, task_queue):
            rotated = after.get_workflow_handle_for(ParticipantWorkflow.run, workflow_id)
            state = await rotated.query(ParticipantWorkflow.state)
            assert state.open_case is not None  # the concern raised under key A, read
            checks = state.tasks["pre_start_checks"]
            await rotated.execute_update(
                ParticipantWorkflow.decide,
                TaskDecision(
                    task_id=checks.task_id,
                    decided_by=checks.assignee,
                    outcome=Outcome.APPROVE,
                    comment="after",
                ),
            )
            state = await rotated.query(ParticipantWorkflow.state)
            assert not state.tasks["pre_start_checks"].is_open
        history = await rotated.fetch_history()
    finally:
        await dev_env.client.get_workflow_handle(workflow_id).terminate("test over")

    key_ids, old = _key_ids(history), _key_ids(written_before)
    assert key_ids[: len(old)] == old  # what was written stays as it was
    assert key_ids[len(old) :] and set(key_ids[len(old) :]) == {"test-2026-b"}
    assert await _replays(written_before, ROTATED_TO_B)  # the old history, after rotation
    assert await _replays(history, ROTATED_TO_B)  # both keys in one history
    assert not await _replays(history, KEY_A_ONLY)  # new writes are not under A
