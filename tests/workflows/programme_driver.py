"""Drives participants through the programme on the time-skipping server, as managers would.

Each open task is answered by its assignee halfway between its opening and its due date:
a realistic point, and one that never makes anything overdue.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.cohort import CohortDefinition, ParticipantEnrolmentInput
from domain.participant import ParticipantState, next_wakeup
from domain.phases import ParticipantStatus, Phase
from domain.tasks import Outcome, Task
from workflows.participant import ParticipantWorkflow, TaskDecision

# On the dev server, in real time: the programme's two years in about forty seconds.
REHEARSAL_TIME_SCALE = 1_500_000.0

T = TypeVar("T")

PHASES_IN_ORDER = [
    Phase.ENROLMENT,
    Phase.SUMMER_INSTITUTE,
    Phase.CARE_PLACEMENT,
    Phase.FIRST_LINE_MANAGEMENT,
    Phase.TOWARDS_REGISTERED_MANAGER,
    Phase.RM_READINESS,
]


def cohort_definition(
    participants: int,
    *,
    start: datetime,
    programme_version: str = "2024.1",
    time_scale: float = 1.0,
) -> CohortDefinition:
    """A fictional hub cohort: two participants per home, one assessor per three homes."""
    cohort_id = f"C{uuid.uuid4().hex[:6]}"
    return CohortDefinition(
        cohort_id=cohort_id,
        hub="North West",
        start_date=start,
        programme_version=programme_version,
        time_scale=time_scale,
        ops_lead="ops-1",
        institute_lead="institute-lead-1",
        participants=tuple(
            ParticipantEnrolmentInput(
                participant_id=f"{cohort_id}-P{n:02d}",
                home_id=f"H{n // 2:02d}",
                registered_manager=f"rm-{n // 2:02d}",
                employer_mentor=f"mentor-{n // 2:02d}",
                development_lead=f"dl-{n // 10}",
                coach=f"coach-{n // 10}",
                assessor=f"assessor-{n // 6}",
            )
            for n in range(participants)
        ),
    )


def halfway(task: Task) -> datetime:
    return task.opened_at + (task.due_at - task.opened_at) / 2


class Answer(Enum):
    """How the driver sends decisions: Update on the dev server; Signal on the
    time-skipping server, whose Update support hangs now and then."""

    BY_UPDATE = "update"
    BY_SIGNAL = "signal"


async def answer(handle: WorkflowHandle, task: Task, how: Answer) -> ParticipantState:
    decision = TaskDecision(task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE)
    if how is Answer.BY_UPDATE:
        return await handle.execute_update(ParticipantWorkflow.decide, decision)
    await handle.signal(ParticipantWorkflow.decide_by_signal, decision)
    while True:
        state = await handle.query(ParticipantWorkflow.state)
        if task.task_id not in {t.task_id for t in state.open_tasks}:
            return state
        await asyncio.sleep(0.01)


async def answer_in_turn(handle: WorkflowHandle, tasks: list[Task], how: Answer) -> None:
    """One participant's tasks one after another, as long as they are still active."""
    for task in tasks:
        state = await answer(handle, task, how)
        if state.status != ParticipantStatus.ACTIVE:
            return


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


async def drive(
    env: WorkflowEnvironment,
    client: Client,
    workflow_ids: list[str],
    *,
    how: Answer,
    until: Phase | None = None,
    check: Callable[[dict[str, ParticipantState]], Awaitable[None]] | None = None,
) -> dict[str, ParticipantState]:
    """Answer every participant's tasks until all have completed (or all reached `until`).

    Tasks falling due for an answer at the same moment are answered together, so a
    cohort moving in step takes as many rounds as one participant. `check` is called
    with the states seen at every round.
    """
    while True:
        # One query at a time: the time-skipping server times out under a burst of them.
        states = {
            wid: await client.get_workflow_handle(wid).query(ParticipantWorkflow.state)
            for wid in workflow_ids
        }
        if check is not None:
            await check(states)
        if until is not None and all(s.phase == until for s in states.values()):
            return states
        # Not yet enrolled (status None) counts as active: its first task is still to run.
        active = {
            wid: s for wid, s in states.items() if s.status in (None, ParticipantStatus.ACTIVE)
        }
        if not active:
            return states
        tasks = [(halfway(t), wid, t) for wid, s in active.items() for t in s.open_tasks]
        wakeups = [w for s in active.values() if (w := next_wakeup(s)) is not None]
        moment = min((m for m, _, _ in tasks), default=None)
        if moment is not None and (not wakeups or moment <= min(wakeups)):
            await sleep_until(env, moment)
            ready: dict[str, list[Task]] = {}
            for m, wid, task in tasks:
                if m <= moment:
                    ready.setdefault(wid, []).append(task)
            await asyncio.gather(
                *(
                    answer_in_turn(client.get_workflow_handle(wid), ts, how)
                    for wid, ts in ready.items()
                )
            )
            continue
        if not wakeups:
            assert any(s.status is None for s in active.values()), (
                f"no task to answer and nothing scheduled: stuck at {active}"
            )
            await sleep_until(env, await env.get_current_time() + timedelta(seconds=1))
            continue
        await sleep_until(env, min(wakeups) + timedelta(seconds=1))


async def wait_until_started(client: Client, workflow_ids: list[str], within: float = 30) -> None:
    """Wait for workflows someone else starts (the cohort starts its participants)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    for wid in workflow_ids:
        while True:
            try:
                await client.get_workflow_handle(wid).describe()
                break
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND or loop.time() > deadline:
                    raise
                await asyncio.sleep(0.05)


async def eventually(probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool]) -> T:
    """Poll `probe` until `accept` takes its answer (signals are delivered asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        answer = await probe()
        if accept(answer) or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.05)
