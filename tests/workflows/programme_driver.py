"""Drives participants through the programme on the time-skipping server, as managers would.

Each open task is answered by its assignee halfway between its opening and its due date:
a realistic point, and one that never makes anything overdue.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.cohort import CohortDefinition, ParticipantEnrolmentInput
from domain.participant import ParticipantState, next_wakeup
from domain.phases import ParticipantStatus, Phase
from domain.tasks import Outcome, Task
from workflows.participant import ParticipantWorkflow, TaskDecision

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


async def answer(handle: WorkflowHandle, task: Task) -> ParticipantState:
    return await handle.execute_update(
        ParticipantWorkflow.decide,
        TaskDecision(task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE),
    )


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    now = await env.get_current_time()
    if moment > now:
        await env.sleep(moment - now)


async def drive(
    env: WorkflowEnvironment,
    client: Client,
    workflow_ids: list[str],
    *,
    until: Phase | None = None,
) -> dict[str, ParticipantState]:
    """Answer every participant's tasks until all have completed (or all reached `until`)."""
    while True:
        states = {
            wid: await client.get_workflow_handle(wid).query(ParticipantWorkflow.state)
            for wid in workflow_ids
        }
        # Not yet enrolled (status None) counts as active: its first task is still to run.
        active = {
            wid: s
            for wid, s in states.items()
            if s.status in (None, ParticipantStatus.ACTIVE)
        }
        if until is not None and all(s.phase == until for s in states.values()):
            return states
        if not active:
            return states
        tasks = [(halfway(t), wid, t) for wid, s in active.items() for t in s.open_tasks]
        wakeups = [w for s in active.values() if (w := next_wakeup(s)) is not None]
        if tasks:
            moment, wid, task = min(tasks, key=lambda item: (item[0], item[1]))
            if not wakeups or moment <= min(wakeups):
                await sleep_until(env, moment)
                await answer(client.get_workflow_handle(wid), task)
                continue
        if not wakeups:
            assert any(s.status is None for s in active.values()), (
                f"no task to answer and nothing scheduled: stuck at {active}"
            )
            await sleep_until(env, await env.get_current_time() + timedelta(seconds=1))
            continue
        await sleep_until(env, min(wakeups) + timedelta(seconds=1))
