"""A rehearsal's run: the cohort started on its own stack, its start date moved to a few
programme weeks from now, then the simulated people (domain/rehearsal/people.py) answer
every task through the Updates the console sends, at the instants their plan says; the
incidents of the policy happen on their week; until everyone has completed or withdrawn.

The people read what is open from the rehearsal's read models, as the console does. An
answer refused or not taken in time is tried again from the latest state while its task
stays open (at most MAX_ATTEMPTS times); one tried first by someone the rules refuse is
counted, and the right person answers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.cohort.decide import CohortDefinition
from domain.cohort.intake import CohortIntake
from domain.intervention.case import CaseStage, ProposeOutcome, ReviewProposal
from domain.intervention.outcomes import review_task_id
from domain.participant.commands import DecideTask, ParticipantCommand, RaiseConcern
from domain.participant.state import ParticipantState
from domain.programme.definition import get_programme
from domain.programme.tasks import Task, TaskKind
from domain.rehearsal.people import (
    PlannedAnswer,
    case_outcome,
    concern_for,
    incident_at,
    plan_answer,
)
from domain.rehearsal.policy import Incident, IncidentKind, RehearsalPolicy
from domain.rehearsal.report import RehearsalReport, rehearsal_report
from domain.roles import Role
from domain.timescale import scaled
from scls.participant_updates import (
    UpdateRefused,
    WorkflowUnreachable,
    update_case,
    update_participant,
    work_update,
)
from scls.rehearsal.stack import RehearsalStack

# From enrolment to the start date: time for ops to clear the pre-start checks.
LEAD = timedelta(weeks=8)
POLL = 0.2  # seconds between looks at the read models
CONCURRENT_ANSWERS = 16
# An Update the stack is slow to take is asked again at a later look rather than waited on.
UPDATE_WAIT = 10.0
MAX_ATTEMPTS = 5  # attempts at one task's answer before the simulated people give up

Progress = Callable[[float], None]  # programme weeks since enrolment


def rebased(definition: CohortDefinition, time_scale: float, now: datetime) -> CohortDefinition:
    """The cohort as rehearsed: at `time_scale`, starting LEAD (programme time) from now."""
    return definition.model_copy(
        update={"time_scale": time_scale, "start_date": now + scaled(LEAD, time_scale)}
    )


def programme_weeks(definition: CohortDefinition) -> float:
    """Enrolment's lead and the programme's nominal length, in weeks."""
    total = LEAD + get_programme(definition.programme_version).total_duration
    return total / timedelta(weeks=1)


class Rehearsal:
    def __init__(
        self,
        stack: RehearsalStack,
        intake: CohortIntake,
        policy: RehearsalPolicy,
        time_scale: float,
        progress: Progress,
    ) -> None:
        self.stack = stack
        self.enrolled_at = datetime.now(UTC)
        self.definition = rebased(intake.definition, time_scale, self.enrolled_at)
        self.directory = intake.directory
        self.policy = policy
        self.progress = progress
        self.plans: dict[tuple[str, str, datetime], PlannedAnswer] = {}
        self.answering: set[tuple[str, str]] = set()
        self.answered: set[tuple[str, str, datetime]] = set()
        self.attempts: Counter[tuple[str, str, datetime]] = Counter()
        self.incidents = sorted(
            policy.incidents, key=lambda i: (self.at(i), i.participant, i.kind.value)
        )
        self.case_incidents: dict[tuple[str, int], IncidentKind] = {}
        self.case_steps: set[tuple[str, int, str]] = set()
        self.tried: set[Incident] = set()  # incidents asked for at least once
        self.missed_from: dict[str, datetime] = {}  # the first review opened after is missed
        self.missed_review: dict[str, str] = {}  # participant -> the review task left
        self.refused_answers = 0
        self.gate = asyncio.Semaphore(CONCURRENT_ANSWERS)
        self.running: set[asyncio.Task[None]] = set()

    def _weeks_since_enrolment(self, now: datetime) -> float:
        return (now - self.enrolled_at) * self.definition.time_scale / timedelta(weeks=1)

    def at(self, incident: Incident) -> datetime:
        return incident_at(self.definition.start_date, incident, self.definition.time_scale)

    async def run(self) -> RehearsalReport:
        from store.cohorts import changed_participant_states

        await self._start()
        everyone = len(self.definition.participants)
        cohort_id = self.definition.cohort_id
        by_id: dict[str, ParticipantState] = {}
        while True:
            known = {pid: state.version for pid, state in by_id.items()}
            for changed in await changed_participant_states(self.stack.pool, cohort_id, known):
                by_id[changed.participant_id] = changed
            states = list(by_id.values())
            if len(states) == everyone and all(s.has_left for s in states):
                break
            now = datetime.now(UTC)
            self.progress(self._weeks_since_enrolment(now))
            while self.incidents and self.at(self.incidents[0]) <= now:
                incident = self.incidents[0]
                if incident.participant not in by_id:
                    break  # not enrolled on record yet: a moment later
                try:
                    await self._befall(by_id[incident.participant], incident)
                except WorkflowUnreachable:
                    break  # the stack is slow to answer: at the next look
                self.incidents.pop(0)
            for state in states:
                if state.is_active:
                    self._answer_due(state, now)
            await self._decide_cases(by_id)
            await asyncio.sleep(POLL)
        await asyncio.gather(*self.running)
        return rehearsal_report(
            cohort_id,
            states,
            start=self.definition.start_date,
            time_scale=self.definition.time_scale,
            seed=self.policy.seed,
            mails=await self._mails(),
            refused_answers=self.refused_answers,
            planned={(pid, task_id): plan.at for (pid, task_id, _), plan in self.plans.items()},
        )

    async def _start(self) -> None:
        from domain.ids import cohort_workflow_id
        from store.directory import load_directory
        from workflows.cohort import CohortRun, CohortWorkflow

        await load_directory(self.stack.pool, self.directory, keep_other_roles=True)
        await self.stack.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=self.definition),
            id=cohort_workflow_id(self.definition.cohort_id),
            task_queue=self.stack.task_queue,
        )

    async def _befall(self, state: ParticipantState, incident: Incident) -> None:
        from workflows.participant import ParticipantWorkflow

        if not state.is_active:
            return
        if incident.kind is IncidentKind.MISSED_REVIEW:
            self.missed_from[state.participant_id] = self.at(incident)
            return
        concern = concern_for(state, incident)
        assert concern is not None  # every other incident starts with a concern
        pid = state.participant_id
        case_number = await self._raised_before(pid, concern) if incident in self.tried else None
        self.tried.add(incident)
        if case_number is None:
            after = await update_participant(
                self.stack.client, pid, ParticipantWorkflow.raise_concern, concern, UPDATE_WAIT
            )
            case_number = after.open_case.number if after.open_case else None
        if case_number is not None:
            self.case_incidents.setdefault((pid, case_number), incident.kind)

    async def _raised_before(self, participant_id: str, concern: RaiseConcern) -> int | None:
        """The case an earlier try of this concern opened or joined, when that try got
        through although its answer never came (the stack was slow): asked once only."""
        from domain.ids import participant_workflow_id
        from store.events import read_stream

        for stored in await read_stream(self.stack.pool, participant_workflow_id(participant_id)):
            data = stored.data
            if stored.type == "ConcernRaised" and (
                data["raised_by"],
                data["kind"],
                data["reason"],
            ) == (concern.by, concern.kind.value, concern.reason):
                return int(data["case_number"])
        return None

    def _answer_due(self, state: ParticipantState, now: datetime) -> None:
        pid = state.participant_id
        for task in state.open_tasks:
            key = (pid, task.task_id, task.due_at)  # a break moves due dates: planned again
            if key in self.answered or (pid, task.task_id) in self.answering:
                continue
            if self.attempts[key] >= MAX_ATTEMPTS:
                continue  # given up on: the report shows the task overdue
            plan = self.plans.get(key)
            if plan is None:
                plan = plan_answer(state, task, self.policy, missed=self._missed(state, task))
                self.plans[key] = plan
            if plan.at <= now:
                # Planned again from the latest state: the same seeded choices, and the
                # work still to hand in (an earlier attempt may have handed some in).
                plan = plan_answer(state, task, self.policy, missed=self._missed(state, task))
                self.answered.add(key)
                self.answering.add((pid, task.task_id))
                self.attempts[key] += 1
                self._spawn(self._answer(state, task, plan, first=self.attempts[key] == 1))

    def _missed(self, state: ParticipantState, task: Task) -> bool:
        pid = state.participant_id
        if task.kind is not TaskKind.PROGRESS_REVIEW:
            return False
        if pid not in self.missed_review and self.missed_from.get(pid, task.opened_at) < (
            task.opened_at
        ):
            self.missed_review[pid] = task.task_id
        return self.missed_review.get(pid) == task.task_id

    async def _answer(
        self, state: ParticipantState, task: Task, plan: PlannedAnswer, first: bool
    ) -> None:
        pid = state.participant_id
        try:
            async with self.gate:
                if plan.refused_first_by is not None and first:
                    wrong = plan.commands[-1]
                    assert isinstance(wrong, DecideTask)
                    try:
                        await self._send(
                            pid, wrong.model_copy(update={"decided_by": plan.refused_first_by})
                        )
                    except UpdateRefused:
                        self.refused_answers += 1
                for command in plan.commands:
                    await self._send(pid, command)
        except (UpdateRefused, WorkflowUnreachable):
            # Refused because the task closed meanwhile (a withdrawal, the programme's
            # end), or because an earlier attempt got further than it heard; or the stack
            # was slow to answer (a loaded machine): if the task is still open at the next
            # look, it is answered again from there.
            self.answered.discard((pid, task.task_id, task.due_at))
        finally:
            self.answering.discard((pid, task.task_id))

    async def _send(self, participant_id: str, command: ParticipantCommand) -> None:
        from workflows.participant import ParticipantWorkflow, TaskDecision

        update: Any
        argument: Any = command
        if isinstance(command, DecideTask):
            update = ParticipantWorkflow.decide
            argument = TaskDecision(
                task_id=command.task_id,
                decided_by=command.decided_by,
                outcome=command.outcome,
                comment=command.comment,
            )
        else:
            update = work_update(command)
        await update_participant(self.stack.client, participant_id, update, argument, UPDATE_WAIT)

    async def _decide_cases(self, states: dict[str, ParticipantState]) -> None:
        """Once a case's review meeting is held, the Development Lead decides its outcome,
        and ops approve it where it needs them."""
        from store.dashboard import open_cases

        for case in await open_cases(self.stack.pool):
            state = states.get(case.participant_id)
            step = (case.participant_id, case.case_number, case.stage)
            if state is None or step in self.case_steps:
                continue
            meeting = state.tasks.get(review_task_id(case.case_number))
            if meeting is None or meeting.is_open:
                continue
            if case.stage in (CaseStage.AWAITING_DECISION, CaseStage.AWAITING_APPROVAL):
                self.case_steps.add(step)
                self._spawn(self._case_step(state, case.case_number, CaseStage(case.stage), step))

    async def _case_step(
        self, state: ParticipantState, number: int, stage: CaseStage, step: tuple[str, int, str]
    ) -> None:
        from workflows.intervention import InterventionWorkflow

        pid, client = state.participant_id, self.stack.client
        try:
            async with self.gate:
                if stage is CaseStage.AWAITING_DECISION:
                    outcome = case_outcome(self.case_incidents.get((pid, number)))
                    propose = ProposeOutcome(
                        by=state.person_for(Role.DEVELOPMENT_LEAD), outcome=outcome
                    )
                    await update_case(
                        client, pid, number, InterventionWorkflow.propose, propose, UPDATE_WAIT
                    )
                else:
                    approve = ReviewProposal(by=state.person_for(Role.OPS), approve=True)
                    await update_case(
                        client, pid, number, InterventionWorkflow.review, approve, UPDATE_WAIT
                    )
        except UpdateRefused:
            pass  # the case moved on meanwhile
        except WorkflowUnreachable:
            self.case_steps.discard(step)  # asked again at the next look

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        running = asyncio.create_task(work)
        self.running.add(running)
        running.add_done_callback(self.running.discard)

    async def _mails(self) -> dict[str, int]:
        """Mails sent, by the event that asked for them (a digest has none)."""
        rows = await self.stack.pool.fetch(
            "SELECT coalesce(e.type, 'Digest') AS kind, count(*) AS n FROM outbox o "
            "LEFT JOIN events e ON e.event_id::text = o.idempotency_key "
            "WHERE o.sent_at IS NOT NULL GROUP BY 1"
        )
        return {row["kind"]: row["n"] for row in rows}
