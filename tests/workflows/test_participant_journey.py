"""A participant through the whole programme on the time-skipping server, recorded in Postgres."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import asyncpg
import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.participant.events import parse_participant_event
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState
from domain.programme.phases import ParticipantStatus, Phase
from store.events import read_stream
from store.participant_progress import PARTICIPANT_PROGRESS
from tests.workflows.programme_driver import (
    PHASES_IN_ORDER,
    REHEARSAL_TIME_SCALE,
    Answer,
    cohort_definition,
    drive,
    run_histories,
)
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres


async def start_participant(
    env: WorkflowEnvironment, task_queue: str, time_scale: float = 1.0
) -> tuple[WorkflowHandle, str, str]:
    start = await env.get_current_time() + timedelta(weeks=2) / time_scale
    enrolment = enrolments(cohort_definition(2, start=start, time_scale=time_scale))[0]
    workflow_id = participant_workflow_id(enrolment.participant_id)
    handle = await env.client.start_workflow(
        ParticipantWorkflow.run,
        ParticipantRun(enrolment=enrolment),
        id=workflow_id,
        task_queue=task_queue,
    )
    return handle, workflow_id, enrolment.participant_id


async def history_lengths(client: Client, workflow_id: str, first_run_id: str) -> list[int]:
    """Events in each run of the workflow, following its continue-as-new chain."""
    return [len(h.events) for h in await run_histories(client, workflow_id, first_run_id)]


async def assert_record_is_whole(pool: asyncpg.Pool, participant_id: str, final) -> list[str]:  # type: ignore[no-untyped-def]
    stream = await read_stream(pool, participant_workflow_id(participant_id))
    assert [e.version for e in stream] == list(range(1, len(stream) + 1))
    assert len({e.event_id for e in stream}) == len(stream)
    folded = fold((parse_participant_event(e.data) for e in stream), participant_id)
    assert folded == final
    assert await PARTICIPANT_PROGRESS.load(pool, participant_id) == final
    return [e.type for e in stream]


def read_model_agrees(pool: asyncpg.Pool):  # type: ignore[no-untyped-def]
    """A check for `drive`: the workflow's state equals the Postgres read model's."""

    async def check(states: dict[str, ParticipantState]) -> None:
        for state in states.values():
            if state.version == 0:
                continue
            stored = await PARTICIPANT_PROGRESS.load(pool, state.participant_id)
            assert stored is not None
            if stored.version == state.version:
                assert stored == state
            else:
                # The append committed; the workflow has not yet taken the activity's result.
                assert stored.version > state.version
                stream = await read_stream(pool, participant_workflow_id(state.participant_id))
                events = (parse_participant_event(e.data) for e in stream[: state.version])
                assert fold(events, state.participant_id) == state

    return check


async def test_a_participant_goes_through_every_phase_and_the_record_shows_it(
    time_skipping_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    env = time_skipping_env
    task_queue = f"journey-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, pool, task_queue):
        handle, workflow_id, participant_id = await start_participant(env, task_queue)
        states = await drive(
            env, env.client, [workflow_id], how=Answer.BY_SIGNAL, check=read_model_agrees(pool)
        )
        final = await env.client.get_workflow_handle_for(
            ParticipantWorkflow.run, workflow_id
        ).result()

    assert states[workflow_id].status == ParticipantStatus.COMPLETED
    assert [record.phase for record in final.phase_history] == PHASES_IN_ORDER
    assert all(record.completed_at is not None for record in final.phase_history)
    types = await assert_record_is_whole(pool, participant_id, final)
    assert types[0] == "ParticipantEnrolled"
    assert types[-1] == "ProgrammeCompleted"
    counts = Counter(types)
    assert counts["PhaseStarted"] == counts["PhaseCompleted"] == len(PHASES_IN_ORDER)
    assert counts["OutplacementStarted"] == counts["OutplacementEnded"] == 3
    # 15 Care Certificate standards (2015 version) are among the approved tasks.
    approved = [t for t in final.tasks.values() if t.key.startswith("care_certificate.")]
    assert len(approved) == 15
    # Two years of programme: a progress review at least every 12 weeks.
    reviews = [t for t in final.tasks.values() if t.key.startswith("progress_review.")]
    assert len(reviews) >= 104 // 12
    assert final.rag.value == "green"

    lengths = await history_lengths(env.client, workflow_id, handle.first_execution_run_id)
    # Continue-as-new at each phase boundary: one run per phase, each well under the
    # 10,240-event warning.
    assert len(lengths) == len(PHASES_IN_ORDER)
    assert max(lengths) < 2_000, lengths
    print(f"history events per run: {lengths}")


async def test_a_new_worker_carries_on_where_a_stopped_one_left_off(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    env = dev_env
    task_queue = f"restart-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, pool, task_queue):
        _, workflow_id, participant_id = await start_participant(
            env, task_queue, REHEARSAL_TIME_SCALE
        )
        middle = await drive(
            env, env.client, [workflow_id], how=Answer.BY_UPDATE, until=Phase.CARE_PLACEMENT
        )
    assert middle[workflow_id].phase == Phase.CARE_PLACEMENT

    # A new worker process: nothing cached, the workflow is rebuilt from its history.
    async with build_worker(env.client, pool, task_queue):
        states = await drive(env, env.client, [workflow_id], how=Answer.BY_UPDATE)
        final = await env.client.get_workflow_handle_for(
            ParticipantWorkflow.run, workflow_id
        ).result()

    assert states[workflow_id].status == ParticipantStatus.COMPLETED
    assert [record.phase for record in final.phase_history] == PHASES_IN_ORDER
    types = await assert_record_is_whole(pool, participant_id, final)
    assert Counter(types)["ParticipantEnrolled"] == 1
    assert Counter(types)["ProgrammeCompleted"] == 1
