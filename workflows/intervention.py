"""InterventionWorkflow (`intervention-<participant>-<n>`): one intervention case, a child
of the participant's workflow that opened it.

It keeps the case file (its own event stream): the Development Lead's proposed outcome,
ops' approval where the outcome needs it, and the closing. Once the outcome is decided it
signals the participant's workflow to apply it (by workflow id, so it reaches the run
that is current then) and closes. Proposals and approvals come as Updates (refusals go
back to the caller and leave no trace) or as Signals (refusals are put on record).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from workflows.messages import (
    APPLY_INTERVENTION_OUTCOME,
    CASE,
    PROPOSE_BY_SIGNAL,
    REVIEW_BY_SIGNAL,
)

with workflow.unsafe.imports_passed_through():
    from contracts.notifications import NotificationKind, NotificationRequest
    from contracts.placements import PARTICIPANTS_AT_HOME, HomeQuestion
    from domain.errors import DomainError
    from domain.ids import INTERVENTION_PREFIX, key_of
    from domain.intervention.case import (
        CaseEvent,
        CaseFile,
        CaseFileOpened,
        CaseStage,
        CaseStepRefused,
        ProposeOutcome,
        ReviewProposal,
        close,
        evolve_case,
        new_case_file,
        propose,
        review,
        told_of_opening,
    )
    from domain.intervention.outcomes import InterventionOutcome, MoveToNewHome, review_task_id
    from domain.roles import SYSTEM
    from workflows.event_log import record
    from workflows.notifications import send

# workflow.patched ids: never reused (docs/versioning.md).
TELL_WHO_ACTS = "mail-on-case-opening"


_LOOKUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


class InterventionRun(BaseModel):
    opening: CaseFileOpened
    participant_workflow_id: str


@workflow.defn(name="InterventionWorkflow")
class InterventionWorkflow:
    @workflow.init
    def __init__(self, run: InterventionRun) -> None:
        self._run = run
        # The case is open from the start, so a validator never sees it unopened; the
        # opening reaches the event store first thing, and handlers wait for that.
        key = key_of(workflow.info().workflow_id, INTERVENTION_PREFIX)
        self._case = evolve_case(new_case_file(key), run.opening)
        self._stored = 0  # the case file's version in the event store
        self._appending = asyncio.Lock()

    @workflow.run
    async def run(self, run: InterventionRun) -> CaseFile:
        async with self._appending:
            [opened_id] = await self._store([run.opening], SYSTEM)
        if workflow.patched(TELL_WHO_ACTS):
            await self._tell_who_acts(run.opening, opened_id)
        await workflow.wait_condition(lambda: self._case.stage == CaseStage.DECIDED)
        decided = self._case.decided_outcome()
        assert decided is not None
        participant = workflow.get_external_workflow_handle(run.participant_workflow_id)
        await participant.signal(APPLY_INTERVENTION_OUTCOME, decided)
        await self._append(close(self._case, workflow.now()), SYSTEM)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._case

    async def _append(self, events: list[CaseEvent], actor: str) -> None:
        async with self._appending:
            await self._record(events, actor)

    async def _store(self, events: list[CaseEvent], actor: str) -> list[uuid.UUID]:
        stream = workflow.info().workflow_id
        ids = await record(stream, self._stored, events, actor=actor, causation_id=stream)
        self._stored += len(events)
        return ids

    async def _tell_who_acts(self, opening: CaseFileOpened, event_id: uuid.UUID) -> None:
        """One mail to each person the domain says hears of the opening, keyed by the
        opening's event id."""
        recipients = told_of_opening(opening)
        title = f"intervention {opening.case_number} ({opening.kind.value.replace('_', ' ')})"
        for number, recipient in enumerate(recipients):
            await send(
                NotificationRequest(
                    idempotency_key=f"{event_id}" if number == 0 else f"{event_id}:{number}",
                    kind=NotificationKind.INTERVENTION_OPENED,
                    recipient=recipient,
                    participant_id=opening.participant_id,
                    task_id=review_task_id(opening.case_number),
                    task_title=title,
                    assignee=opening.development_lead,
                    workflow_id=workflow.info().workflow_id,
                )
            )

    async def _record(self, events: list[CaseEvent], actor: str) -> None:
        await self._store(events, actor)
        for event in events:
            self._case = evolve_case(self._case, event)

    async def _others_at_home(self, outcome: InterventionOutcome) -> int | None:
        """For a move, how many scheme participants the new home has besides this one."""
        if not isinstance(outcome, MoveToNewHome):
            return None
        others: int = await workflow.execute_activity(
            PARTICIPANTS_AT_HOME,
            HomeQuestion(home_id=outcome.home_id, excluding=self._case.opened().participant_id),
            result_type=int,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_LOOKUP_RETRY,
        )
        return others

    def _decided(
        self, command: ProposeOutcome | ReviewProposal, others_at_home: int | None
    ) -> list[CaseEvent]:
        """The case file's decision; raises a DomainError when refused."""
        if isinstance(command, ProposeOutcome):
            return propose(self._case, command, workflow.now(), others_at_home)
        return review(self._case, command, workflow.now(), others_at_home)

    async def _events_for(self, command: ProposeOutcome | ReviewProposal) -> list[CaseEvent]:
        """Once accepted: look the new home up if a move is involved, then decide."""
        proposal = self._case.proposal
        outcome = command.outcome if isinstance(command, ProposeOutcome) else None
        if outcome is None and proposal is not None:
            outcome = proposal.outcome
        others = await self._others_at_home(outcome) if outcome is not None else None
        return self._decided(command, others)

    async def _opened(self) -> None:
        """Handlers may run before the run has recorded the opening: they wait for it."""
        await workflow.wait_condition(lambda: self._stored > 0)

    async def _answer(self, command: ProposeOutcome | ReviewProposal) -> CaseFile:
        await self._opened()
        async with self._appending:
            try:
                events = await self._events_for(command)
            except DomainError as refusal:
                raise ApplicationError(
                    str(refusal), type=type(refusal).__name__, non_retryable=True
                ) from None
            await self._record(events, command.by)
        return self._case

    async def _answer_signal(self, command: ProposeOutcome | ReviewProposal) -> None:
        await self._opened()
        async with self._appending:
            try:
                events = await self._events_for(command)
            except DomainError as refusal:
                step = "propose" if isinstance(command, ProposeOutcome) else "approve"
                events = [
                    CaseStepRefused(
                        step=step,
                        by=command.by,
                        refusal=type(refusal).__name__,
                        reason=str(refusal),
                        at=workflow.now(),
                    )
                ]
            await self._record(events, command.by)

    def _validate(self, command: ProposeOutcome | ReviewProposal) -> None:
        try:
            self._decided(command, None)  # the home is looked up once accepted
        except DomainError as refusal:
            raise ApplicationError(str(refusal), type=type(refusal).__name__) from None

    @workflow.update
    async def propose(self, command: ProposeOutcome) -> CaseFile:
        """The Development Lead's outcome for the case."""
        return await self._answer(command)

    @propose.validator
    def _validate_propose(self, command: ProposeOutcome) -> None:
        self._validate(command)

    @workflow.update
    async def review(self, command: ReviewProposal) -> CaseFile:
        """Ops approve the proposed outcome, or send it back with a reason."""
        return await self._answer(command)

    @review.validator
    def _validate_review(self, command: ReviewProposal) -> None:
        self._validate(command)

    @workflow.signal(name=PROPOSE_BY_SIGNAL)
    async def propose_by_signal(self, command: ProposeOutcome) -> None:
        await self._answer_signal(command)

    @workflow.signal(name=REVIEW_BY_SIGNAL)
    async def review_by_signal(self, command: ReviewProposal) -> None:
        await self._answer_signal(command)

    @workflow.query(name=CASE)
    def case(self) -> CaseFile:
        return self._case
