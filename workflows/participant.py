"""ParticipantWorkflow (`participant-<id>`): one participant's journey through the programme.

The workflow holds no business rule: it asks the domain what is due (`due`), records the
resulting events in Postgres through the append activity, folds them into its state with
the same `evolve` the read models use, and sleeps until the domain's next wake-up or a
message. It continues as new at each phase boundary, carrying its state.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from domain.cohort_events import ParticipantProgressed
    from domain.commands import DecideTask, Delegate, Enrol, ParticipantCommand, ReassignTask
    from domain.errors import DomainError
    from domain.events import ParticipantEvent
    from domain.participant import (
        ParticipantState,
        decide,
        due,
        evolve,
        initial_state,
        next_wakeup,
        refuse,
    )
    from domain.phases import ParticipantStatus
    from domain.tasks import Outcome
    from scls.temporal import COHORT_ID, NEXT_DUE, PHASE, RAG_STATUS
    from workflows.event_log import record
    from workflows.notifications import notification_for, send

# The cohort workflow's signal that takes a participant's progress.
PARTICIPANT_PROGRESSED = "participant_progressed"
# A decision sent as a Signal rather than an Update.
DECIDE_BY_SIGNAL = "decide_by_signal"

SYSTEM = "system"


class ParticipantRun(BaseModel):
    """The workflow's input: the enrolment, and on continue-as-new the state so far."""

    enrolment: Enrol
    cohort_workflow_id: str | None = None
    state: ParticipantState | None = None


class TaskDecision(BaseModel):
    """A manager's answer to one of the participant's tasks."""

    task_id: str
    decided_by: str
    outcome: Outcome
    comment: str | None = None


def participant_workflow_id(participant_id: str) -> str:
    return f"participant-{participant_id}"


@workflow.defn(name="ParticipantWorkflow")
class ParticipantWorkflow:
    @workflow.init
    def __init__(self, run: ParticipantRun) -> None:
        self._run = run
        self._state = run.state or initial_state(run.enrolment.participant_id)
        # Appends happen one at a time: each must know the version the previous one made.
        self._appending = asyncio.Lock()
        self._woken = False
        # Mails still being sent: a run does not end (or continue as new) before they go.
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def _stream(self) -> str:
        return participant_workflow_id(self._state.participant_id)

    @workflow.run
    async def run(self, run: ParticipantRun) -> ParticipantState:
        if self._state.phase is None:
            await self._apply(self._decided(run.enrolment), SYSTEM)
        phase_at_start = self._state.phase
        while True:
            async with self._appending:
                events = due(self._state, workflow.now())
                if events:
                    await self._record(events, SYSTEM, causation_id="timer")
            if self._state.status is not ParticipantStatus.ACTIVE:
                break
            phase_ended = self._state.phase != phase_at_start
            if phase_ended or workflow.info().is_continue_as_new_suggested():
                await self._settle()
                workflow.continue_as_new(
                    ParticipantRun(
                        enrolment=run.enrolment,
                        cohort_workflow_id=run.cohort_workflow_id,
                        state=self._state,
                    )
                )
            await self._sleep_until(next_wakeup(self._state))
        await self._settle()
        return self._state

    async def _settle(self) -> None:
        """Let running handlers finish and pending mails go before this run ends."""
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and not self._sending
        )

    async def _sleep_until(self, wake_at: datetime | None) -> None:
        self._woken = False
        timeout = None
        if wake_at is not None:
            timeout = max(wake_at - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(lambda: self._woken, timeout=timeout)
        except TimeoutError:
            pass

    def _decided(self, command: ParticipantCommand) -> list[ParticipantEvent]:
        """The domain's decision now; a refusal becomes a failure the caller can read."""
        try:
            return decide(self._state, command, workflow.now())
        except DomainError as refusal:
            raise ApplicationError(
                str(refusal), type=type(refusal).__name__, non_retryable=True
            ) from None

    async def _apply(self, events: list[ParticipantEvent], actor: str) -> None:
        async with self._appending:
            await self._record(events, actor)

    async def _record(
        self, events: list[ParticipantEvent], actor: str, causation_id: str | None = None
    ) -> None:
        before = self._state
        event_ids = await record(
            self._stream, before.version, events, actor=actor, causation_id=causation_id
        )
        state = before
        for event in events:
            state = evolve(state, event)
        self._state = state
        self._woken = True
        for event, event_id in zip(events, event_ids, strict=True):
            request = notification_for(event, event_id, state.participant_id)
            if request is not None:
                sending = asyncio.create_task(send(request))
                self._sending.add(sending)
                sending.add_done_callback(self._sending.discard)
        await self._publish(before)

    async def _publish(self, before: ParticipantState) -> None:
        """Tell operations what changed: search attributes, and the cohort's summary."""
        state = self._state
        workflow.upsert_search_attributes(
            [
                PHASE.value_set(state.phase.value if state.phase else "none"),
                COHORT_ID.value_set(state.cohort_id or ""),
                RAG_STATUS.value_set(state.rag.value),
                NEXT_DUE.value_set(state.next_due) if state.next_due else NEXT_DUE.value_unset(),
            ]
        )
        before_view = (before.phase, before.rag, before.status)
        now_view = (state.phase, state.rag, state.status)
        if self._run.cohort_workflow_id and state.status and before_view != now_view:
            progress = ParticipantProgressed(
                participant_id=state.participant_id,
                phase=state.phase,
                rag=state.rag,
                status=state.status,
                progressed_at=workflow.now(),
            )
            cohort = workflow.get_external_workflow_handle(self._run.cohort_workflow_id)
            try:
                await cohort.signal(PARTICIPANT_PROGRESSED, progress)
            except FailureError:
                # The cohort has ended or was never started (a participant run on its
                # own): its summary is rebuilt from the participant's events anyway.
                workflow.logger.warning("cohort workflow did not take the progress signal")

    @workflow.query
    def state(self) -> ParticipantState:
        return self._state

    def _decision_command(self, decision: TaskDecision) -> DecideTask:
        return DecideTask(
            task_id=decision.task_id,
            decided_by=decision.decided_by,
            outcome=decision.outcome,
            comment=decision.comment,
        )

    @workflow.update
    async def decide(self, decision: TaskDecision) -> ParticipantState:
        async with self._appending:
            events = self._decided(self._decision_command(decision))
            await self._record(events, decision.decided_by, causation_id=decision.task_id)
        return self._state

    @decide.validator
    def _validate_decide(self, decision: TaskDecision) -> None:
        self._decided(self._decision_command(decision))

    @workflow.signal(name=DECIDE_BY_SIGNAL)
    async def decide_by_signal(self, decision: TaskDecision) -> None:
        """The same decision for callers that cannot wait: a refusal goes on record instead."""
        command = self._decision_command(decision)
        async with self._appending:
            try:
                events = decide(self._state, command, workflow.now())
            except DomainError as refusal:
                events = refuse(self._state, command, refusal, workflow.now())
            await self._record(events, decision.decided_by, causation_id=decision.task_id)

    @workflow.update
    async def reassign(self, command: ReassignTask) -> ParticipantState:
        """Give an open task to someone else; the new assignee is told by mail."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id=command.task_id)
        return self._state

    @reassign.validator
    def _validate_reassign(self, command: ReassignTask) -> None:
        self._decided(command)

    @workflow.update
    async def delegate(self, command: Delegate) -> ParticipantState:
        """A manager away hands their tasks on this participant to a deputy for a period."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id="delegation")
        return self._state

    @delegate.validator
    def _validate_delegate(self, command: Delegate) -> None:
        self._decided(command)
