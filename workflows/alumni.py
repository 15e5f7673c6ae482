"""AlumniWorkflow (`alumni-<person>`): what happens to someone after the programme.

Started once by their participant workflow when they complete or withdraw (a child left
running when the parent closes), it keeps the alumni record on its own event stream and
follows the check-in timetable (domain.alumni.record) for two years: each check-in mails
a one-click link to a short form, reminds, and tells ops when unanswered. Answers come
from the console as the `answer_check_in` Update, whose validator refuses a check-in not
open; a registration with CQC as Registered Manager as `record_rm_registration`.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.messages import ALUMNI_RECORD

with workflow.unsafe.imports_passed_through():
    from contracts.notifications import NotificationRequest
    from domain.alumni.events import AlumniEvent, AlumniRecordOpened
    from domain.alumni.mail import alumni_mail_for
    from domain.alumni.record import (
        AlumniState,
        AnswerCheckIn,
        RecordRmRegistration,
        answer_check_in,
        due,
        evolve_alumni,
        new_alumni_record,
        next_wakeup,
        record_rm_registration,
    )
    from domain.errors import DomainError
    from domain.roles import SYSTEM
    from workflows.event_log import record
    from workflows.notifications import send


class AlumniRun(BaseModel):
    opening: AlumniRecordOpened
    state: AlumniState | None = None  # on continue-as-new


class RmRegistration(BaseModel):
    """The Update's argument: the command, and whether the console found `by` to be ops."""

    command: RecordRmRegistration
    by_ops: bool = False


@workflow.defn(name="AlumniWorkflow")
class AlumniWorkflow:
    @workflow.init
    def __init__(self, run: AlumniRun) -> None:
        self._state = run.state or evolve_alumni(
            new_alumni_record(run.opening.person_id), run.opening
        )
        self._stored = self._state.version if run.state is not None else 0
        self._appending = asyncio.Lock()
        self._woken = False
        self._sending: set[asyncio.Task[None]] = set()

    @workflow.run
    async def run(self, run: AlumniRun) -> AlumniState:
        if self._stored == 0:
            async with self._appending:
                await self._store([run.opening], SYSTEM, "left")
        while not self._state.finished:
            async with self._appending:
                events = due(self._state, workflow.now())
                if events:
                    await self._record(events, SYSTEM, "timer")
            if self._state.finished:
                break
            if workflow.info().is_continue_as_new_suggested():
                await self._settle()
                workflow.continue_as_new(AlumniRun(opening=run.opening, state=self._state))
            await self._sleep_until_next()
        await self._settle()
        return self._state

    async def _settle(self) -> None:
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and not self._sending
        )

    async def _sleep_until_next(self) -> None:
        wake_at = next_wakeup(self._state)
        self._woken = False
        timeout = None if wake_at is None else max(wake_at - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(lambda: self._woken, timeout=timeout)
        except TimeoutError:
            pass

    async def _store(self, events: list[AlumniEvent], actor: str, cause: str) -> list[uuid.UUID]:
        stream = workflow.info().workflow_id
        ids = await record(stream, self._stored, events, actor=actor, causation_id=cause)
        self._stored += len(events)
        return ids

    async def _record(self, events: list[AlumniEvent], actor: str, cause: str) -> None:
        event_ids = await self._store(events, actor, cause)
        for event in events:
            self._state = evolve_alumni(self._state, event)
        self._woken = True
        person = self._state.person_id
        for event, event_id in zip(events, event_ids, strict=True):
            mail = alumni_mail_for(event, person)
            if mail is None:
                continue
            request = NotificationRequest(
                **mail.model_dump(),
                idempotency_key=str(event_id),
                participant_id=person,
                workflow_id=workflow.info().workflow_id,
            )
            sending = asyncio.create_task(send(request))
            self._sending.add(sending)
            sending.add_done_callback(self._sending.discard)

    def _answered(self, command: AnswerCheckIn) -> list[AlumniEvent]:
        try:
            return answer_check_in(self._state, command, workflow.now())
        except DomainError as refusal:
            raise ApplicationError(
                str(refusal), type=type(refusal).__name__, non_retryable=True
            ) from None

    def _registered(self, registration: RmRegistration) -> list[AlumniEvent]:
        try:
            return record_rm_registration(
                self._state, registration.command, workflow.now(), registration.by_ops
            )
        except DomainError as refusal:
            raise ApplicationError(
                str(refusal), type=type(refusal).__name__, non_retryable=True
            ) from None

    async def _opened(self) -> None:
        await workflow.wait_condition(lambda: self._stored > 0)

    @workflow.update
    async def answer_check_in(self, command: AnswerCheckIn) -> AlumniState:
        await self._opened()
        async with self._appending:
            await self._record(self._answered(command), command.by, f"check_in.{command.number}")
        return self._state

    @answer_check_in.validator
    def _validate_answer_check_in(self, command: AnswerCheckIn) -> None:
        self._answered(command)

    @workflow.update
    async def record_rm_registration(self, registration: RmRegistration) -> AlumniState:
        await self._opened()
        async with self._appending:
            events = self._registered(registration)
            await self._record(events, registration.command.by, "rm_registration")
        return self._state

    @record_rm_registration.validator
    def _validate_record_rm_registration(self, registration: RmRegistration) -> None:
        self._registered(registration)

    @workflow.query(name=ALUMNI_RECORD)
    def record(self) -> AlumniState:
        return self._state
