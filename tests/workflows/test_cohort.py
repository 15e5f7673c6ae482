"""A cohort of 30 through the whole programme, and conference attendance.

The cohort of 30 runs on the time-skipping server: its point is that the cohort workflow
starts thirty participants once and that its summary follows them to completion, and on
virtual time that takes as long as the worker needs, with every answer at its planned
instant however busy the machine is (in real time, at a time scale the worker could keep
up with, it took minutes and a slow moment made answers late). Answers go by Signal, as
on that server everywhere. Conference attendance, an Update, runs on the dev server.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import asyncpg
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.cohort.state import CohortState
from domain.ids import cohort_workflow_id, participant_workflow_id
from domain.participant.events import parse_participant_event
from domain.participant.evolve import fold
from domain.programme.phases import ParticipantStatus, Phase
from store.cohort_summary import COHORT_SUMMARY
from store.events import read_stream
from tests.workflows.programme_driver import (
    PHASES_IN_ORDER,
    REHEARSAL_TIME_SCALE,
    Answer,
    cohort_definition,
    drive,
    eventually,
    wait_until_started,
)
from worker import build_worker
from workflows.cohort import AttendanceRecord, CohortRun, CohortWorkflow

pytestmark = pytest.mark.postgres

COHORT_SIZE = 30


@pytest.mark.slow
@pytest.mark.time_limit(300)  # a minute or two on two cores
async def test_a_cohort_of_thirty_completes_and_its_summary_says_so(
    time_skipping_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    env = time_skipping_env
    task_queue = f"cohort-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=3)
    definition = cohort_definition(COHORT_SIZE, start=start)
    participant_ids = [p.participant_id for p in definition.participants]
    workflow_ids = [participant_workflow_id(pid) for pid in participant_ids]

    async with build_worker(env.client, pool, task_queue):
        cohort = await env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_workflow_id(definition.cohort_id),
            task_queue=task_queue,
        )
        await wait_until_started(env.client, workflow_ids)
        in_care = await drive(
            env, env.client, workflow_ids, how=Answer.BY_SIGNAL, until=Phase.CARE_PLACEMENT
        )
        assert {s.phase for s in in_care.values()} == {Phase.CARE_PLACEMENT}
        everyone_in_care = {Phase.CARE_PLACEMENT: COHORT_SIZE}
        mid = await eventually(
            lambda: cohort.query(CohortWorkflow.summary),
            lambda summary: summary.per_phase == everyone_in_care,
        )
        assert mid.per_phase == everyone_in_care

        await drive(env, env.client, workflow_ids, how=Answer.BY_SIGNAL)
        # The cohort ends by itself once every participant has left.
        summary = await cohort.result()
        cohort_state = await cohort.query(CohortWorkflow.state)

    assert summary.completed == COHORT_SIZE
    assert summary.withdrawn == 0 and summary.at_risk == 0 and summary.per_phase == {}
    assert len(summary.conferences) == 6

    # The cohort's read model is the workflow's own state, from the same evolve.
    stored = await COHORT_SUMMARY.load(pool, definition.cohort_id)
    assert isinstance(stored, CohortState)
    assert stored == cohort_state
    partners = {m.participant_id: m.course_partners for m in stored.members.values()}
    assert all(partners[pid] for pid in participant_ids)

    for participant_id in participant_ids:
        stream = await read_stream(pool, participant_workflow_id(participant_id))
        state = fold((parse_participant_event(e.data) for e in stream), participant_id)
        assert state.status == ParticipantStatus.COMPLETED
        assert [r.phase for r in state.phase_history] == PHASES_IN_ORDER
        assert Counter(e.type for e in stream)["ParticipantEnrolled"] == 1
    cohort_events = await read_stream(pool, cohort_workflow_id(definition.cohort_id))
    kinds = Counter(e.type for e in cohort_events)
    assert kinds["CohortOpened"] == 1
    assert kinds["ParticipantJoined"] == COHORT_SIZE
    assert kinds["ConferenceScheduled"] == 6


async def test_ops_record_conference_attendance_and_a_wrong_record_is_refused(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    env = dev_env
    task_queue = f"attendance-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(
        4, start=await env.get_current_time(), time_scale=REHEARSAL_TIME_SCALE
    )
    participant_ids = [p.participant_id for p in definition.participants]
    async with build_worker(env.client, pool, task_queue):
        cohort = await env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_workflow_id(definition.cohort_id),
            task_queue=task_queue,
        )
        await wait_until_started(env.client, [participant_workflow_id(p) for p in participant_ids])
        summary = await cohort.execute_update(
            CohortWorkflow.record_attendance,
            AttendanceRecord(
                number=1,
                attended=tuple(participant_ids[1:]),
                absent=(participant_ids[0],),
                recorded_by="ops-1",
            ),
        )
        assert summary.conferences[0].attended == tuple(participant_ids[1:])
        assert summary.conferences[0].absent == (participant_ids[0],)

        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await cohort.execute_update(
                CohortWorkflow.record_attendance,
                AttendanceRecord(number=9, attended=(), recorded_by="ops-1"),
            )
        assert "has no conference 9 (scheduled: 1, 2, 3, 4, 5, 6)" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as stranger:
            await cohort.execute_update(
                CohortWorkflow.record_attendance,
                AttendanceRecord(number=2, attended=("nobody",), recorded_by="ops-1"),
            )
        assert "nobody is not in cohort" in str(stranger.value.cause)
        after = await cohort.query(CohortWorkflow.summary)
        assert after.conferences[1].recorded_by is None
        await cohort.terminate("test over")
        for pid in participant_ids:
            await env.client.get_workflow_handle(participant_workflow_id(pid)).terminate(
                "test over"
            )

    recorded = await read_stream(pool, cohort_workflow_id(definition.cohort_id))
    assert [e.type for e in recorded].count("ConferenceAttendanceRecorded") == 1
