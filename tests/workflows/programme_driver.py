"""Drives participants through the programme on a Temporal server, as managers would.

Each open task is answered by its assignee halfway between its opening and its due date:
a realistic point, and one that never makes anything overdue.

Nothing is sent to a participant's workflow within QUIET of its next timer. On the
time-skipping test server this is what keeps a run from hanging. That server's clock
runs at wall-clock speed while a workflow task or activity is outstanding, and fires a
timer as soon as its instant passes, whatever the worker is doing. A task answered at
the instant a timer is due (a task's halfway is often exactly its reminder's instant: a
two-week task reminded after one week) is handled in a workflow task during which the
timer fires; the workflow's answer cancels the timer it was sleeping on, and the server
refuses that completion ("invalid history builder state for action": it cannot cancel a
timer that has fired, where the real server drops the buffered TimerFired). That refused
task is never retried or timed out, and holds the server's time-skipping lock: from then
on the clock only moves at wall-clock speed, so the next `env.sleep` of days never
returns, queries wait on the stuck task ("query deadline exceeded") and calls time out.
(The server also times a timer from the moment it records the command, so the timer
falls due a few milliseconds after the instant the workflow asked for: just after the
answer, not before it.) A history cut off at that point (tests/time_skipping.py prints
it) shows it: a decide_by_signal at 12:44:58.766 of programme day D, its append, the
next workflow task STARTED and nothing after; the timer started a week earlier for
6 days 23:59:59.96 (due at .788) never fired or was cancelled; and the worker logged
"Error while completing workflow activation ... invalid history builder state".
The real server has no such limit; the gap costs the dev-server tests nothing (an hour
of programme time is milliseconds at their time scales).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import CohortDefinition, ParticipantEnrolmentInput
from domain.participant.commands import (
    DecideTask,
    ParticipantCommand,
)
from domain.participant.state import ParticipantState
from domain.participant.timeline import next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import FEEDBACK_KINDS, Outcome, Task, TaskKind
from domain.rehearsal.people import work_and_answer
from domain.timescale import scaled
from scls.participant_updates import work_update
from workflows.participant import ParticipantWorkflow, TaskDecision

# On the dev server, in real time: the programme's two years in about forty seconds.
REHEARSAL_TIME_SCALE = 1_500_000.0

# No message reaches a participant within this much programme time before its next timer
# (scaled by its time scale); the driver sleeps past the timer first. At time scale 1 it
# is an hour of wall-clock time for the worker to handle an answer.
QUIET = timedelta(hours=1)

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
    time-skipping server, where Updates are not tested (its support has had bugs)."""

    BY_UPDATE = "update"
    BY_SIGNAL = "signal"


async def state_of(handle: WorkflowHandle) -> ParticipantState:
    state: ParticipantState = await handle.query(ParticipantWorkflow.state)
    return state


async def states_of(client: Client, workflow_ids: list[str]) -> dict[str, ParticipantState]:
    states = await asyncio.gather(
        *(state_of(client.get_workflow_handle(wid)) for wid in workflow_ids)
    )
    return dict(zip(workflow_ids, states, strict=True))


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
    """`task` approved by its assignee; the participant's state once that is applied. By
    Update, the participant's work behind it is handed in first where the programme keeps
    that on record (`state`, the participant as last seen, says whether; asked for when
    not given).

    The driver answers from a snapshot of the participant's state. If the participant
    left (completed or withdrew) since, the answer is refused or the workflow is closed:
    the state is read again and, if they have left, the answer is dropped. Any other
    refusal fails the test."""
    decision = TaskDecision(task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE)
    try:
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
                    state = await handle.execute_update(work_update(command), command)
            assert state is not None
            return state
        await handle.signal(ParticipantWorkflow.decide_by_signal, decision)
    except (WorkflowUpdateFailedError, RPCError):
        refreshed = await state_of(handle)
        if refreshed.has_left:
            return refreshed
        raise
    while True:
        state = await state_of(handle)
        if state.has_left or task.task_id not in {t.task_id for t in state.open_tasks}:
            return state
        await asyncio.sleep(0.01)


def quiet(state: ParticipantState, now: datetime) -> bool:
    """True when `state`'s next timer is more than QUIET away from `now`: a message sent
    now is handled before the timer fires."""
    wakeup = next_wakeup(state)
    return wakeup is None or wakeup > now + scaled(QUIET, state.time_scale)


def _gap(states: Iterable[ParticipantState]) -> timedelta:
    """QUIET in real time at the quickest of these participants' time scales."""
    return min((scaled(QUIET, state.time_scale) for state in states), default=QUIET)


async def answer_in_turn(
    handle: WorkflowHandle,
    tasks: list[Task],
    how: Answer,
    state: ParticipantState,
    now: datetime,
) -> None:
    """One participant's tasks one after another, while they are active and no timer of
    theirs is near (an answer may bring one near: the driver comes back after it)."""
    for task in tasks:
        state = await answer(handle, task, how, state)
        if state.status != ParticipantStatus.ACTIVE or not quiet(state, now):
            return


def _still_going(state: ParticipantState) -> bool:
    # Not yet enrolled (status None) counts: its first task is still to run.
    return state.status is None or not state.status.has_left


async def sleep_until(env: WorkflowEnvironment, moment: datetime) -> None:
    """Until the server's clock reads `moment` (at once if it is past). On the
    time-skipping server the clock jumps from timer to timer; the server's timers are
    whole milliseconds, so a sleep may end a millisecond short and is taken again."""
    while (now := await env.get_current_time()) < moment:
        await env.sleep(max(moment - now, timedelta(milliseconds=1)))


async def settle(
    env: WorkflowEnvironment, client: Client, workflow_ids: list[str]
) -> dict[str, ParticipantState]:
    """Sleep until no participant's next timer is within QUIET, so that a test may send
    them messages of its own; their states then."""
    while True:
        now = await env.get_current_time()
        states = await states_of(client, workflow_ids)
        near = [
            wakeup
            for state in states.values()
            if not quiet(state, now) and (wakeup := next_wakeup(state)) is not None
        ]
        if not near:
            return states
        await sleep_until(env, max(min(near), now) + _gap(states.values()))


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
        states = await states_of(client, workflow_ids)
        if check is not None:
            await check(states)
        if until is not None and all(s.phase == until for s in states.values()):
            return states
        if stop(states):
            return states
        active = {wid: s for wid, s in states.items() if _still_going(s)}
        if not active:
            return states
        now = await env.get_current_time()
        tasks = [
            (halfway(t), wid, t)
            for wid, s in active.items()
            if s.status != ParticipantStatus.ON_BREAK
            for t in s.open_tasks
            if not hold(t)
        ]
        moment = max(min((m for m, _, _ in tasks), default=now), now)
        ready: dict[str, list[Task]] = {}
        for m, wid, task in tasks:
            if m <= moment and quiet(active[wid], moment):
                ready.setdefault(wid, []).append(task)
        wakeups = [w for s in active.values() if (w := next_wakeup(s)) is not None]
        if ready and (not wakeups or moment < min(wakeups)):
            # Every participant with a task to answer now is quiet; others wait their turn.
            await sleep_until(env, moment)
            await asyncio.gather(
                *(
                    answer_in_turn(client.get_workflow_handle(wid), ts, how, states[wid], moment)
                    for wid, ts in ready.items()
                )
            )
            continue
        if not wakeups:
            assert any(s.status is None for s in active.values()), (
                f"no task to answer and nothing scheduled: stuck at {active}"
            )
            await sleep_until(env, now + timedelta(seconds=1))
            continue
        # The timetable acts first; answers wait until it has, and its timer is past.
        await sleep_until(env, max(min(wakeups), now) + _gap(active.values()))


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
    """Poll `probe` until `accept` takes its answer (signals are delivered asynchronously),
    for at most 90 s: the caller's assertions then say what was missing. (30 s was once
    too short for a mail on a machine loaded eight times past its two cores.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
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
