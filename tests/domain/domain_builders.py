"""Shared builders for the domain tests: a participant's support, an enrolment, a way to
apply what `decide` returns, and a whole programme run with realistic answers."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.cohort.decide import CohortDefinition, ParticipantEnrolmentInput
from domain.instants import UtcDatetime, require_utc
from domain.participant.commands import (
    AdvanceTime,
    DecideTask,
    Enrol,
    ParticipantCommand,
)
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Outcome, Task, TaskKind
from domain.rehearsal.people import work_and_answer
from domain.roles import Role
from domain.support import SupportArrangements

PROGRAMME_START = datetime(2027, 9, 6, 9, 0, tzinfo=UTC)

SUPPORT = SupportArrangements(
    registered_manager="P-rm-1",
    employer_mentor="P-mentor-1",
    development_lead="P-devlead-1",
    coach="P-coach-1",
    assessor="P-assessor-1",
    institute_lead="P-institute-1",
    ops_lead="P-ops-1",
    course_partners=("P-2",),
)


def cohort_of(
    participants: Sequence[str],
    *,
    cohort_id: str = "C-north-2027",
    hub: str = "North West",
    start: datetime = PROGRAMME_START,
    programme_version: str = "2025.1",
) -> CohortDefinition:
    """A cohort whose participants all work at H-1 with the support team of SUPPORT."""
    return CohortDefinition(
        cohort_id=cohort_id,
        hub=hub,
        start_date=start,
        programme_version=programme_version,
        ops_lead=SUPPORT.ops_lead,
        institute_lead=SUPPORT.institute_lead,
        participants=tuple(
            ParticipantEnrolmentInput(
                participant_id=pid,
                home_id="H-1",
                registered_manager=SUPPORT.registered_manager,
                employer_mentor=SUPPORT.employer_mentor,
                development_lead=SUPPORT.development_lead,
                coach=SUPPORT.coach,
                assessor=SUPPORT.assessor,
            )
            for pid in participants
        ),
    )


def enrol_command(
    participant_id: str = "P-1", programme_version: str = "2025.1", time_scale: float = 1.0
) -> Enrol:
    return Enrol(
        participant_id=participant_id,
        cohort_id="C-north-2027",
        programme_version=programme_version,
        time_scale=time_scale,
        programme_start=PROGRAMME_START,
        home_id="H-1",
        support=SUPPORT,
    )


def applied(state: ParticipantState, events: Sequence[ParticipantEvent]) -> ParticipantState:
    for event in events:
        state = evolve(state, event)
    return state


def realistic_answer_time(task: Task) -> datetime:
    """Sign-offs come in the week before they fall due; Care Certificate standards are
    spread over the placement; reviews and reports are answered a week after they open."""
    if task.key.startswith("care_certificate."):
        standard = int(task.key.split(".")[1])
        return task.opened_at + timedelta(days=4 * standard)
    if task.key.startswith(("progress_review.", "outplacement_report.")):
        return task.opened_at + timedelta(weeks=1)
    return max(task.opened_at, task.due_at - timedelta(days=5))


def run_programme(
    state: ParticipantState,
    now: datetime,
    answer: Callable[[ParticipantState, Task], list[ParticipantCommand]] = work_and_answer,
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    """To the programme's end, each task answered by `answer` at a realistic time."""
    recorded: list[ParticipantEvent] = []
    while not state.has_left:
        # On a break in learning nothing is answered: the timetable waits for the return.
        waiting = state.open_tasks if state.status == ParticipantStatus.ACTIVE else ()
        answers = sorted(waiting, key=lambda t: (realistic_answer_time(t), t.task_id))
        wakeup = next_wakeup(state)
        assert wakeup is not None and wakeup > now
        commands: list[ParticipantCommand]
        if answers and realistic_answer_time(answers[0]) <= wakeup:
            task = answers[0]
            now = max(now, realistic_answer_time(task))
            commands = answer(state, task)
        else:
            now, commands = wakeup, [AdvanceTime()]
        for command in commands:
            events = decide(state, command, now)
            state = applied(state, events)
            recorded.extend(events)
        assert due(state, now) == []
    return state, recorded


def until_phase(state: ParticipantState, phase: Phase) -> ParticipantState:
    """Answer every task, as managers would, until the participant is in `phase`."""
    return run_until(state, phase)[0]


def run_until(
    state: ParticipantState, phase: Phase
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    """`until_phase`, with the events recorded on the way."""
    now = state.as_of
    assert now is not None, "enrol the participant first"
    recorded: list[ParticipantEvent] = []
    while state.phase != phase:
        wakeup = next_wakeup(state)
        tasks = sorted(state.open_tasks, key=realistic_answer_time)
        command: DecideTask | AdvanceTime = AdvanceTime()
        if tasks and (wakeup is None or realistic_answer_time(tasks[0]) <= wakeup):
            now = max(now, realistic_answer_time(tasks[0]))
            command = DecideTask(
                task_id=tasks[0].task_id, decided_by=tasks[0].assignee, outcome=Outcome.APPROVE
            )
        else:
            assert wakeup is not None
            now = wakeup
        events = decide(state, command, now)
        state = applied(state, events)
        recorded.extend(events)
    return state, recorded


# --- the inbox as the domain sees it: the oracle the read model's queries are held to ---


class InboxRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    participant_id: str
    cohort_id: str | None
    kind: TaskKind
    title: str
    assignee: str
    role: Role
    due_at: UtcDatetime
    overdue: bool
    escalation_level: int  # escalations sent so far (0: none)
    delegate: str | None  # who may decide for the assignee at `now`, if anyone


def open_task_rows(state: ParticipantState, now: datetime) -> list[InboxRow]:
    """One row per open task, the most urgent first."""
    now = require_utc(now)
    return [
        InboxRow(
            task_id=task.task_id,
            participant_id=state.participant_id,
            cohort_id=state.cohort_id,
            kind=task.kind,
            title=task.title,
            assignee=task.assignee,
            role=task.role,
            due_at=task.due_at,
            overdue=task.is_overdue(now),
            escalation_level=task.escalation_level,
            delegate=state.delegate_of(task.assignee, now),
        )
        for task in state.open_tasks
    ]
