"""CohortWorkflow (`cohort-<id>`): one regional hub cohort of about 30 participants.

It opens the cohort (members, course partners, conference dates), starts each
participant's workflow (idempotently: a restarted cohort starts no duplicates), records
conference attendance, and keeps the cohort's view of every participant's progress, fed
by their workflows' signals, so ops can query a summary. It ends when every participant
has completed or withdrawn.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows.messages import (
    COHORT_STATE,
    COHORT_SUMMARY,
    PARTICIPANT_PROGRESSED,
)

with workflow.unsafe.imports_passed_through():
    from domain.cohort.decide import CohortDefinition, enrolments, open_cohort, record_attendance
    from domain.cohort.events import CohortEvent, ParticipantProgressed
    from domain.cohort.state import CohortState, CohortSummary, evolve_cohort, initial_cohort_state
    from domain.errors import DomainError
    from domain.ids import cohort_workflow_id, participant_workflow_id
    from domain.participant.commands import Enrol
    from domain.roles import SYSTEM
    from workflows.event_log import record
    from workflows.participant import ParticipantRun, ParticipantWorkflow
    from workflows.versions import ON_THE_CURRENT_BUILD, time_to_move_on


class CohortRun(BaseModel):
    """The workflow's input: the definition, and on continue-as-new the state so far."""

    definition: CohortDefinition
    state: CohortState | None = None
    participants_started: bool = False


class AttendanceRecord(BaseModel):
    """Ops record who came to one of the cohort's conferences."""

    number: int
    attended: tuple[str, ...]
    absent: tuple[str, ...] = ()
    recorded_by: str


# workflow.patched ids: never reused (docs/versioning.md).
PARALLEL_PARTICIPANT_STARTS = "parallel-participant-starts"


@workflow.defn(name="CohortWorkflow")
class CohortWorkflow:
    @workflow.init
    def __init__(self, run: CohortRun) -> None:
        self._definition = run.definition
        self._state = run.state or initial_cohort_state(run.definition.cohort_id)
        self._participants_started = run.participants_started
        self._progress: list[ParticipantProgressed] = []
        self._appending = asyncio.Lock()

    @workflow.run
    async def run(self, run: CohortRun) -> CohortSummary:
        if self._state.opening is None:
            await self._apply(open_cohort(self._definition, workflow.now()), SYSTEM)
        if not self._participants_started:
            await self._start_participants()
        while not self._finished():
            await workflow.wait_condition(lambda: bool(self._progress) or self._finished())
            if self._progress:
                batch, self._progress = self._progress, []
                await self._apply(list(batch), SYSTEM)
            if time_to_move_on():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    CohortRun(
                        definition=self._definition,
                        state=self._state,
                        participants_started=True,
                    ),
                    initial_versioning_behavior=ON_THE_CURRENT_BUILD,
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state.summary()

    def _finished(self) -> bool:
        members = self._state.members.values()
        return bool(members) and all(m.status.has_left for m in members) and not self._progress

    async def _start_participants(self) -> None:
        starts = [self._start_participant(e) for e in enrolments(self._definition)]
        if workflow.patched(PARALLEL_PARTICIPANT_STARTS):
            # Every start asked for in one workflow task, instead of a round trip each.
            await asyncio.gather(*starts)
        else:
            # Cohorts started before the patch replay their one-at-a-time starts.
            for start in starts:
                await start
        self._participants_started = True

    async def _start_participant(self, enrolment: Enrol) -> None:
        try:
            await workflow.start_child_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment, cohort_workflow_id=workflow.info().workflow_id),
                id=participant_workflow_id(enrolment.participant_id),
                # A participant's two years outlive any one run of the cohort.
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("participant workflow already running; not started again")

    async def _apply(self, events: list[CohortEvent], actor: str) -> None:
        async with self._appending:
            stream = cohort_workflow_id(self._state.cohort_id)
            await record(stream, self._state.version, events, actor=actor)
            state = self._state
            for event in events:
                state = evolve_cohort(state, event)
            self._state = state

    @workflow.signal(name=PARTICIPANT_PROGRESSED)
    def participant_progressed(self, progress: ParticipantProgressed) -> None:
        self._progress.append(progress)

    @workflow.query(name=COHORT_SUMMARY)
    def summary(self) -> CohortSummary:
        return self._state.summary()

    @workflow.query(name=COHORT_STATE)
    def state(self) -> CohortState:
        return self._state

    def _attendance_events(self, attendance: AttendanceRecord) -> list[CohortEvent]:
        try:
            return record_attendance(
                self._state,
                attendance.number,
                attendance.attended,
                attendance.absent,
                attendance.recorded_by,
                workflow.now(),
            )
        except DomainError as refusal:
            raise ApplicationError(str(refusal), type=type(refusal).__name__) from None

    @workflow.update
    async def record_attendance(self, attendance: AttendanceRecord) -> CohortSummary:
        await self._apply(self._attendance_events(attendance), attendance.recorded_by)
        return self._state.summary()

    @record_attendance.validator
    def _validate_attendance(self, attendance: AttendanceRecord) -> None:
        self._attendance_events(attendance)
