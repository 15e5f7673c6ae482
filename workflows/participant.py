"""ParticipantWorkflow (`participant-<id>`): one participant's journey through the programme.

The workflow holds no business rule: it asks the domain what is due (`due`), records the
resulting events in Postgres through the append activity, folds them into its state with
the same `evolve` the read models use, and sleeps until the domain's next wake-up or a
message. It continues as new at each phase boundary, carrying its state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows.messages import (
    APPLY_INTERVENTION_OUTCOME,
    DECIDE_BY_SIGNAL,
    PARTICIPANT_PROGRESSED,
    PARTICIPANT_STATE,
)

with workflow.unsafe.imports_passed_through():
    from contracts.placements import PlacementToCheck
    from contracts.search_attributes import COHORT_ID, NEXT_DUE, PHASE, RAG_STATUS
    from domain.alumni.events import AlumniRecordOpened
    from domain.cohort.events import ParticipantProgressed
    from domain.errors import DomainError
    from domain.ids import alumni_workflow_id, intervention_workflow_id, participant_workflow_id
    from domain.intervention.case import CaseFileOpened
    from domain.measures import place_to_check
    from domain.participant.commands import (
        AddEvidence,
        ApplyInterventionOutcome,
        ChangeProgramme,
        DecideTask,
        Delegate,
        DraftReview,
        Enrol,
        GiveFeedback,
        ParticipantCommand,
        RaiseConcern,
        ReassignTask,
        RecordCareFeedback,
        RecordSession,
        SendBackReview,
        SignReview,
        SubmitEvidence,
        SubmitReport,
        SubmitTimesheet,
    )
    from domain.participant.decide import decide, refuse
    from domain.participant.events import InterventionOpened, ParticipantEvent
    from domain.participant.evolve import evolve
    from domain.participant.state import ParticipantState, initial_state
    from domain.participant.timeline import due, next_wakeup
    from domain.programme.tasks import (
        Outcome,
        care_certificate_id,
        outplacement_report_id,
        progress_review_id,
    )
    from domain.roles import SYSTEM, Role
    from workflows.alumni import AlumniRun, AlumniWorkflow
    from workflows.event_log import record
    from workflows.intervention import InterventionRun, InterventionWorkflow
    from workflows.notifications import notification_for, send
    from workflows.placement_flags import check_placement
    from workflows.versions import ON_THE_CURRENT_BUILD, time_to_move_on


# workflow.patched ids: never reused (docs/versioning.md).
ALUMNI_ON_LEAVING = "alumni-record-on-leaving"
FLAG_POOR_PLACEMENTS = "flag-poor-placements-to-ops"


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
            if self._state.has_left:
                break
            phase_ended = self._state.phase != phase_at_start
            if phase_ended or time_to_move_on():
                await self._settle()
                workflow.continue_as_new(
                    ParticipantRun(
                        enrolment=run.enrolment,
                        cohort_workflow_id=run.cohort_workflow_id,
                        state=self._state,
                    ),
                    initial_versioning_behavior=ON_THE_CURRENT_BUILD,
                )
            await self._sleep_until(next_wakeup(self._state))
        if workflow.patched(ALUMNI_ON_LEAVING):
            await self._start_alumni_record()
        await self._settle()
        return self._state

    async def _start_alumni_record(self) -> None:
        """Completed or withdrawn: the alumni workflow follows them for two years after,
        a child left running when this one closes. Runs that left before the patch
        replay without it."""
        state = self._state
        withdrawal = state.withdrawal
        left_at = state.completed_at or (withdrawal.withdrawn_at if withdrawal else None)
        assert state.status is not None and left_at is not None  # has_left
        opening = AlumniRecordOpened(
            person_id=state.participant_id,
            cohort_id=state.cohort_id or "",
            left_as=state.status,
            left_at=left_at,
            home_id=state.home_id,
            ops_lead=state.person_for(Role.OPS),
            time_scale=state.time_scale,
            opened_at=workflow.now(),
        )
        try:
            await workflow.start_child_workflow(
                AlumniWorkflow.run,
                AlumniRun(opening=opening),
                id=alumni_workflow_id(state.participant_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt: one alumni record per person

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
                self._in_background(send(request))
        for event, event_id in zip(events, event_ids, strict=True):
            place = place_to_check(event)
            # Poor ratings recorded before the patch replay without the check.
            if place is not None and workflow.patched(FLAG_POOR_PLACEMENTS):
                check = PlacementToCheck(
                    place=place,
                    participant_id=state.participant_id,
                    ops_lead=state.person_for(Role.OPS),
                    idempotency_key=f"placement-flag-{event_id}",
                    workflow_id=workflow.info().workflow_id,
                )
                self._in_background(check_placement(check))
        await self._publish(before)
        for event in events:
            if isinstance(event, InterventionOpened):
                await self._start_intervention(event)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """A mail or a placement check, not awaited by the Update or timer that asked for
        it; the run does not end (or continue as new) before it is done."""
        sending = asyncio.create_task(work)
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def _start_intervention(self, opened: InterventionOpened) -> None:
        """The case's own workflow: a child that outlives this run (continue-as-new),
        started once whatever is replayed or retried."""
        state = self._state
        opening = CaseFileOpened(
            participant_id=state.participant_id,
            case_number=opened.case_number,
            cohort_id=state.cohort_id or "",
            kind=opened.kind,
            severity=opened.severity,
            development_lead=opened.assignee,
            ops_lead=state.person_for(Role.OPS),
            opened_at=opened.opened_at,
        )
        try:
            await workflow.start_child_workflow(
                InterventionWorkflow.run,
                InterventionRun(opening=opening, participant_workflow_id=self._stream),
                id=intervention_workflow_id(state.participant_id, opened.case_number),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            pass  # started by an earlier attempt: one case, one workflow

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

    @workflow.query(name=PARTICIPANT_STATE)
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

    @workflow.update
    async def raise_concern(self, command: RaiseConcern) -> ParticipantState:
        """A concern about the placement: it opens an intervention, or joins the open one."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id="concern")
        return self._state

    @raise_concern.validator
    def _validate_raise_concern(self, command: RaiseConcern) -> None:
        self._decided(command)

    @workflow.update
    async def submit_timesheet(self, command: SubmitTimesheet) -> ParticipantState:
        """One week's hours in front-line care and in management and learning."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id="timesheet")
        return self._state

    @submit_timesheet.validator
    def _validate_submit_timesheet(self, command: SubmitTimesheet) -> None:
        self._decided(command)

    @workflow.update
    async def change_programme(self, command: ChangeProgramme) -> ParticipantState:
        """Ops move the participant onto another programme version for the phases ahead."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id="programme")
        return self._state

    @change_programme.validator
    def _validate_change_programme(self, command: ChangeProgramme) -> None:
        self._decided(command)

    # --- the participant's own work, and progress reviews' signatures ----------------------
    # Each is decided by the domain like any command; a refusal comes back to the caller
    # and leaves no trace. Files are already in the document store: only their refs come.

    async def _act(self, command: ParticipantCommand, by: str, causation_id: str) -> None:
        async with self._appending:
            await self._record(self._decided(command), by, causation_id=causation_id)

    @workflow.update
    async def add_evidence(self, command: AddEvidence) -> ParticipantState:
        await self._act(command, command.by, care_certificate_id(command.standard))
        return self._state

    @add_evidence.validator
    def _validate_add_evidence(self, command: AddEvidence) -> None:
        self._decided(command)

    @workflow.update
    async def submit_evidence(self, command: SubmitEvidence) -> ParticipantState:
        await self._act(command, command.by, care_certificate_id(command.standard))
        return self._state

    @submit_evidence.validator
    def _validate_submit_evidence(self, command: SubmitEvidence) -> None:
        self._decided(command)

    @workflow.update
    async def submit_report(self, command: SubmitReport) -> ParticipantState:
        await self._act(command, command.by, outplacement_report_id(command.outplacement))
        return self._state

    @submit_report.validator
    def _validate_submit_report(self, command: SubmitReport) -> None:
        self._decided(command)

    @workflow.update
    async def draft_review(self, command: DraftReview) -> ParticipantState:
        await self._act(command, command.by, progress_review_id(command.review))
        return self._state

    @draft_review.validator
    def _validate_draft_review(self, command: DraftReview) -> None:
        self._decided(command)

    @workflow.update
    async def sign_review(self, command: SignReview) -> ParticipantState:
        await self._act(command, command.by, progress_review_id(command.review))
        return self._state

    @sign_review.validator
    def _validate_sign_review(self, command: SignReview) -> None:
        self._decided(command)

    @workflow.update
    async def send_back_review(self, command: SendBackReview) -> ParticipantState:
        await self._act(command, command.by, progress_review_id(command.review))
        return self._state

    @send_back_review.validator
    def _validate_send_back_review(self, command: SendBackReview) -> None:
        self._decided(command)

    @workflow.update
    async def record_session(self, command: RecordSession) -> ParticipantState:
        """The coach or mentor records a session they held. Its notes go on the record
        only: the state returned, like every query's, does not carry them."""
        async with self._appending:
            await self._record(self._decided(command), command.by, causation_id="session")
        return self._state

    @record_session.validator
    def _validate_record_session(self, command: RecordSession) -> None:
        self._decided(command)

    @workflow.update
    async def give_feedback(self, command: GiveFeedback) -> ParticipantState:
        """A rating, survey or LQF assessment answered by the person it was asked of. Its
        comment goes on the record only: the state returned keeps the scores."""
        await self._act(command, command.by, command.task_id)
        return self._state

    @give_feedback.validator
    def _validate_give_feedback(self, command: GiveFeedback) -> None:
        self._decided(command)

    @workflow.update
    async def record_care_feedback(self, command: RecordCareFeedback) -> ParticipantState:
        """Feedback ops gathered from people receiving care from the participant."""
        await self._act(command, command.by, "care_feedback")
        return self._state

    @record_care_feedback.validator
    def _validate_record_care_feedback(self, command: RecordCareFeedback) -> None:
        self._decided(command)

    async def _apply_signalled(self, command: ParticipantCommand, actor: str) -> None:
        """A command that came by Signal: nobody waits to be told of a refusal, so it is
        logged (by rule name only: the message may name people) and nothing changes."""
        async with self._appending:
            try:
                events = decide(self._state, command, workflow.now())
            except DomainError as refusal:
                workflow.logger.warning(
                    "signalled %s refused: %s", command.type, type(refusal).__name__
                )
                return
            await self._record(events, actor, causation_id=command.type)

    @workflow.signal(name=APPLY_INTERVENTION_OUTCOME)
    async def apply_intervention_outcome(self, command: ApplyInterventionOutcome) -> None:
        """An intervention's decided outcome, from its workflow. A second delivery finds
        the case closed and changes nothing."""
        await self._apply_signalled(command, command.decided_by)
