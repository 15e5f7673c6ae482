"""Managers' decisions on the dev server: every refusal reason leaves state and history as
they were, the same decision by Update or by Signal gives the same participant, and a
deputy decides only inside their delegation window."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.participant.commands import Delegate
from domain.participant.state import ParticipantState
from domain.programme.tasks import Outcome, TaskStatus
from store.events import read_stream
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

pytestmark = pytest.mark.postgres


@pytest.fixture
async def two_participants(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[tuple[WorkflowHandle, WorkflowHandle]]:
    """Two participants of one cohort, enrolled now, starting in four weeks."""
    env = dev_env
    task_queue = f"decisions-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=4)
    handles = []
    async with build_worker(env.client, pool, task_queue):
        for enrolment in enrolments(cohort_definition(2, start=start)):
            handles.append(
                await env.client.start_workflow(
                    ParticipantWorkflow.run,
                    ParticipantRun(enrolment=enrolment),
                    id=participant_workflow_id(enrolment.participant_id),
                    task_queue=task_queue,
                )
            )
        for handle in handles:
            await eventually(
                lambda h=handle: h.query(ParticipantWorkflow.state),
                lambda state: "pre_start_checks" in state.tasks,
            )
        try:
            yield handles[0], handles[1]
        finally:
            for handle in handles:
                await handle.terminate("test over")


async def history_length(client: Client, handle: WorkflowHandle) -> int:
    history = await client.get_workflow_handle(handle.id).fetch_history()
    return len(history.events)


async def refused(handle: WorkflowHandle, decision: TaskDecision) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(ParticipantWorkflow.decide, decision)
    return str(failure.value.cause)


async def test_every_refusal_is_explained_and_changes_nothing(
    dev_env: WorkflowEnvironment, two_participants: tuple[WorkflowHandle, WorkflowHandle]
) -> None:
    handle, _ = two_participants
    before: ParticipantState = await handle.query(ParticipantWorkflow.state)
    ops = before.enrolled().support.ops_lead
    history_before = await history_length(dev_env.client, handle)

    reasons = [
        await refused(
            handle, TaskDecision(task_id="no_such_task", decided_by=ops, outcome=Outcome.APPROVE)
        ),
        await refused(
            handle,
            TaskDecision(
                task_id="pre_start_checks", decided_by="stranger", outcome=Outcome.APPROVE
            ),
        ),
        await refused(
            handle, TaskDecision(task_id="pre_start_checks", decided_by=ops, outcome=Outcome.PASS)
        ),
        await refused(
            handle, TaskDecision(task_id="pre_start_checks", decided_by=ops, outcome=Outcome.REJECT)
        ),
    ]
    participant = before.participant_id
    assert reasons[0].endswith(f"participant {participant} has no task no_such_task")
    assert (
        "stranger may not decide task pre_start_checks: it is assigned to ops-1 (ops)" in reasons[1]
    )
    assert "outcome pass is not allowed for task pre_start_checks" in reasons[2]
    assert "a comment is required to reject task pre_start_checks" in reasons[3]

    # A validator's refusal writes no history and changes no state.
    assert await history_length(dev_env.client, handle) == history_before
    assert await handle.query(ParticipantWorkflow.state) == before

    approved = TaskDecision(task_id="pre_start_checks", decided_by=ops, outcome=Outcome.APPROVE)
    await handle.execute_update(ParticipantWorkflow.decide, approved)
    after_approval = await handle.query(ParticipantWorkflow.state)
    again = await refused(handle, approved)
    assert "task pre_start_checks was already decided (approved by ops-1 on " in again
    assert await handle.query(ParticipantWorkflow.state) == after_approval


async def test_a_decision_by_update_and_by_signal_give_the_same_participant(
    two_participants: tuple[WorkflowHandle, WorkflowHandle],
) -> None:
    by_update, by_signal = two_participants
    ops = (await by_update.query(ParticipantWorkflow.state)).enrolled().support.ops_lead
    decision = TaskDecision(
        task_id="pre_start_checks", decided_by=ops, outcome=Outcome.APPROVE, comment="DBS seen"
    )

    updated = await by_update.execute_update(ParticipantWorkflow.decide, decision)
    await by_signal.signal(ParticipantWorkflow.decide_by_signal, decision)
    signalled = await eventually(
        lambda: by_signal.query(ParticipantWorkflow.state),
        lambda state: not state.tasks["pre_start_checks"].is_open,
    )

    def outcome(state: ParticipantState) -> tuple[object, ...]:
        task = state.tasks["pre_start_checks"]
        assert task.decision is not None
        return (
            task.status,
            task.decision.decided_by,
            task.decision.outcome,
            task.decision.comment,
            state.phase,
            state.version,
            sorted(state.tasks),
        )

    assert outcome(updated) == outcome(signalled)
    assert updated.tasks["pre_start_checks"].status == TaskStatus.APPROVED

    # The same decision again: refused by Update, recorded but not applied by Signal.
    await by_signal.signal(ParticipantWorkflow.decide_by_signal, decision)
    refused_on_record = await eventually(
        lambda: by_signal.query(ParticipantWorkflow.state),
        lambda state: state.version > signalled.version,
    )
    assert refused_on_record.version == signalled.version + 1
    assert refused_on_record.tasks == signalled.tasks


async def test_a_deputy_decides_only_inside_the_delegation_window(
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    two_participants: tuple[WorkflowHandle, WorkflowHandle],
) -> None:
    early, late = two_participants
    ops = (await early.query(ParticipantWorkflow.state)).enrolled().support.ops_lead
    deputy = "ops-deputy"
    now = await dev_env.get_current_time()
    as_deputy = TaskDecision(task_id="pre_start_checks", decided_by=deputy, outcome=Outcome.APPROVE)

    # Before the window opens the deputy is refused; once it is open they decide.
    await early.execute_update(
        ParticipantWorkflow.delegate,
        Delegate(
            from_person=ops,
            to_person=deputy,
            starts_at=now + timedelta(seconds=3),
            until=now + timedelta(minutes=5),
            by=ops,
        ),
    )
    assert "their delegation from ops-1 runs from" in await refused(early, as_deputy)
    await asyncio.sleep(3.5)
    decided = await early.execute_update(ParticipantWorkflow.decide, as_deputy)
    decision = decided.tasks["pre_start_checks"].decision
    assert decision is not None and (decision.decided_by, decision.on_behalf_of) == (deputy, ops)

    # After the window closes the deputy is refused again, and its end is on record.
    now = await dev_env.get_current_time()
    await late.execute_update(
        ParticipantWorkflow.delegate,
        Delegate(
            from_person=ops,
            to_person=deputy,
            starts_at=now,
            until=now + timedelta(seconds=3),
            by=ops,
        ),
    )
    await asyncio.sleep(3.5)
    assert "their delegation from ops-1 runs from" in await refused(late, as_deputy)
    ended = await eventually(
        lambda: read_stream(pool, late.id),
        lambda events: any(e.type == "DelegationEnded" for e in events),
    )
    assert [e.type for e in ended].count("DelegationEnded") == 1
