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
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import CohortDefinition, ParticipantEnrolmentInput
from domain.participant.commands import (
    AddEvidence,
    DecideTask,
    DraftReview,
    GiveFeedback,
    ParticipantCommand,
    SignReview,
    SubmitEvidence,
    SubmitReport,
)
from domain.participant.state import ParticipantState
from domain.participant.timeline import next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import FEEDBACK_KINDS, Outcome, Task, TaskKind
from tests.domain.domain_builders import work_and_answer
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


async def state_of(handle: WorkflowHandle) -> ParticipantState:
    """The participant's state by query. The time-skipping server now and then lets a
    query run out its deadline ("query deadline exceeded", "Timeout expired"); a query
    changes nothing, so it is asked again."""
    for attempt in range(5):
        try:
            state: ParticipantState = await handle.query(ParticipantWorkflow.state)
            return state
        except RPCError as error:
            if not _timed_out(error) or attempt == 4:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


# The Update that carries each command of a participant's work (programme 2026.1 on).
WORK_UPDATES: dict[type, Any] = {
    AddEvidence: ParticipantWorkflow.add_evidence,
    SubmitEvidence: ParticipantWorkflow.submit_evidence,
    SubmitReport: ParticipantWorkflow.submit_report,
    DraftReview: ParticipantWorkflow.draft_review,
    SignReview: ParticipantWorkflow.sign_review,
    GiveFeedback: ParticipantWorkflow.give_feedback,
}


# Kinds of task that may have the participant's work behind them.
_WORK_KINDS = (
    TaskKind.CARE_CERTIFICATE_STANDARD,
    TaskKind.OUTPLACEMENT_REPORT_WRITING,
    TaskKind.PROGRESS_REVIEW,
    *sorted(FEEDBACK_KINDS),
)


async def answer(
    handle: WorkflowHandle, task: Task, how: Answer, state: ParticipantState | None = None
) -> ParticipantState:
    """Answer `task` as its assignee would; by Update, first hand in the participant's
    work behind it where the programme keeps that on record (`state`, the participant as
    last seen, says whether; asked for when not given)."""
    decision = TaskDecision(task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE)
    if how is Answer.BY_UPDATE:
        if state is None and task.kind in _WORK_KINDS:
            state = await state_of(handle)
        commands: list[ParticipantCommand] = (
            work_and_answer(state, task)
            if state is not None
            else [DecideTask(task_id=task.task_id, decided_by=task.assignee, outcome="approve")]
        )
        for command in commands:
            if isinstance(command, DecideTask):
                state = await handle.execute_update(ParticipantWorkflow.decide, decision)
            else:
                state = await handle.execute_update(WORK_UPDATES[type(command)], command)
        assert state is not None
        return state
    await handle.signal(ParticipantWorkflow.decide_by_signal, decision)
    while True:
        state = await state_of(handle)
        if task.task_id not in {t.task_id for t in state.open_tasks}:
            return state
        await asyncio.sleep(0.01)


async def answer_in_turn(
    handle: WorkflowHandle, tasks: list[Task], how: Answer, state: ParticipantState
) -> None:
    """One participant's tasks one after another, as long as they are still active."""
    for task in tasks:
        state = await answer(handle, task, how, state)
        if state.status != ParticipantStatus.ACTIVE:
            return


def _still_going(state: ParticipantState) -> bool:
    # Not yet enrolled (status None) counts: its first task is still to run.
    return state.status is None or not state.status.has_left


# The time-skipping server skips a long sleep timer by timer, and the call that asks
# for it times out ("Timeout expired") when that takes long in real time: long sleeps are
# taken in steps, and a step that timed out is taken again from wherever the clock got to.
SLEEP_STEP = timedelta(weeks=4)


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    timeouts = stalls = 0
    while (now := await env.get_current_time()) < moment:
        try:
            await env.sleep(min(moment - now, SLEEP_STEP))
        except RPCError as error:
            timeouts += 1
            if not _timed_out(error) or timeouts > 5:
                raise
        if await env.get_current_time() <= now:
            stalls += 1
            if stalls > 20:
                raise AssertionError(f"Timeout: the time-skipping clock stopped at {now}")
            await asyncio.sleep(0.1)


def _timed_out(error: RPCError) -> bool:
    return error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)


async def drive(
    env: WorkflowEnvironment,
    client: Client,
    workflow_ids: list[str],
    *,
    how: Answer,
    until: Phase | None = None,
    check: Callable[[dict[str, ParticipantState]], Awaitable[None]] | None = None,
    hold: Callable[[Task], bool] = lambda task: False,
    stop: Callable[[dict[str, ParticipantState]], bool] = lambda states: False,
) -> dict[str, ParticipantState]:
    """Answer every participant's tasks until all have completed or withdrawn (or all
    reached `until`, or `stop` says so).

    Tasks falling due for an answer at the same moment are answered together, so a
    cohort moving in step takes as many rounds as one participant. `check` is called
    with the states seen at every round. Tasks `hold` picks are left unanswered. A
    participant on a break in learning answers nothing until they are back.
    """
    while True:
        # One query at a time: the time-skipping server times out under a burst of them.
        states = {wid: await state_of(client.get_workflow_handle(wid)) for wid in workflow_ids}
        if check is not None:
            await check(states)
        if until is not None and all(s.phase == until for s in states.values()):
            return states
        if stop(states):
            return states
        active = {wid: s for wid, s in states.items() if _still_going(s)}
        if not active:
            return states
        tasks = [
            (halfway(t), wid, t)
            for wid, s in active.items()
            if s.status != ParticipantStatus.ON_BREAK
            for t in s.open_tasks
            if not hold(t)
        ]
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
                    answer_in_turn(client.get_workflow_handle(wid), ts, how, states[wid])
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


async def run_histories(
    client: Client, workflow_id: str, first_run_id: str
) -> list[WorkflowHistory]:
    """The history of each run of a workflow, following its continue-as-new chain."""
    histories = []
    run_id: str | None = first_run_id
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        attributes = last.workflow_execution_continued_as_new_event_attributes
        run_id = attributes.new_execution_run_id or None
    return histories


async def answer_until(
    handle: WorkflowHandle,
    reached: Callable[[ParticipantState], bool],
    answering: Callable[[Task], bool] = lambda task: False,
    seconds: float = 90,
) -> ParticipantState:
    """Answer the open tasks `answering` picks (with the participant's work behind them)
    until `reached`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        state = await state_of(handle)
        if reached(state):
            return state
        assert loop.time() < deadline, (
            f"never reached; open: {[t.task_id for t in state.open_tasks]}"
        )
        for task in state.open_tasks:
            if answering(task):
                await answer(handle, task, Answer.BY_UPDATE, state)
                break
        else:
            await asyncio.sleep(0.05)
