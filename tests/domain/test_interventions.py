"""Interventions in the domain: each trigger opens one case, each outcome changes the
participant's timetable, tasks and RAG status as the scheme expects, and refusals say why.
Decider tests read given/when/then (tests/domain/given.py); the timetable's own concerns
are timed on its simulated clock."""

from datetime import date, datetime, timedelta

import pytest
from domain_builders import PROGRAMME_START, enrol_command, run_programme
from given import History, given

from domain.errors import (
    InvalidConcern,
    InvalidInterventionOutcome,
    InvalidTimesheet,
    ParticipantNotActive,
)
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
    AdvanceTime,
    ApplyInterventionOutcome,
    DecideTask,
    ParticipantCommand,
    RaiseConcern,
    SubmitTimesheet,
)
from domain.participant.events import (
    BreakEnded,
    BreakStarted,
    ConcernRaised,
    HomeChanged,
    InterventionClosed,
    InterventionOpened,
    ParticipantSuspended,
    PhaseExtended,
    ProgrammeCompleted,
    RagChanged,
    SuspensionLifted,
    TaskOpened,
    TaskReassigned,
)
from domain.participant.evolve import fold
from domain.participant.timeline import LATE_TASK_GRACE, due, next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Outcome, TaskKind, TaskStatus
from domain.rag import RagStatus
from domain.roles import Role

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)
IN_80_20 = PROGRAMME_START + timedelta(weeks=20)  # the 80/20 phase begins


def enrolled() -> History:
    return given().when(enrol_command(), at=ENROLLED_AT).accepted()


def answering(
    history: History,
    *,
    until_phase: Phase | None = None,
    until: datetime | None = None,
    hold: TaskKind | None = None,
) -> History:
    """The simulated clock with every task but those of kind `hold` answered by its
    assignee as it opens, until the participant reaches `until_phase` or the clock
    `until` (whichever is given)."""
    now = history.state.as_of or ENROLLED_AT
    while history.state.phase != until_phase:
        waiting = [t for t in history.state.open_tasks if t.kind != hold]
        wakeup = next_wakeup(history.state)
        command: ParticipantCommand
        if waiting:
            task = waiting[0]
            now = max(now, task.opened_at)
            command = DecideTask(
                task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
            )
        elif wakeup is not None and (until is None or wakeup <= until):
            now, command = wakeup, AdvanceTime()
        else:
            assert until is not None, f"stuck before {until_phase}"
            return history
        history = history.when(command, at=now).accepted()
    return history


def in_first_line_management() -> History:
    history = answering(enrolled(), until_phase=Phase.FIRST_LINE_MANAGEMENT)
    return history.wake_until(IN_80_20)


def outcome(
    history: History, chosen: InterventionOutcome, approved_by: str | None = "P-ops-1"
) -> ApplyInterventionOutcome:
    case = history.state.open_case
    assert case is not None
    return ApplyInterventionOutcome(
        case_number=case.number, outcome=chosen, decided_by="P-devlead-1", approved_by=approved_by
    )


def test_a_breakdown_opens_one_case_and_a_move_hands_the_placement_to_the_new_home() -> None:
    history = in_first_line_management()
    breakdown = RaiseConcern(
        by="P-rm-1", kind=ConcernKind.PLACEMENT_BREAKDOWN, reason="relationship broke down"
    )
    # Ten working days after a Monday is the Monday two weeks on.
    assert IN_80_20.weekday() == 0
    history = history.when(breakdown, at=IN_80_20).then(
        ConcernRaised(
            concern_number=1,
            kind=ConcernKind.PLACEMENT_BREAKDOWN,
            severity=Severity.MEDIUM,
            reason="relationship broke down",
            raised_by="P-rm-1",
            case_number=1,
            raised_at=IN_80_20,
        ),
        InterventionOpened(
            case_number=1,
            kind=ConcernKind.PLACEMENT_BREAKDOWN,
            severity=Severity.MEDIUM,
            assignee="P-devlead-1",
            review_task_id="intervention.1.review",
            opened_at=IN_80_20,
        ),
        TaskOpened(
            task_id="intervention.1.review",
            kind=TaskKind.INTERVENTION_REVIEW,
            title="Intervention 1: review meeting (placement breakdown)",
            phase=Phase.FIRST_LINE_MANAGEMENT,
            role=Role.DEVELOPMENT_LEAD,
            assignee="P-devlead-1",
            opened_at=IN_80_20,
            due_at=IN_80_20 + timedelta(days=14),
        ),
        RagChanged(
            status=RagStatus.RED,
            reason="intervention 1 opened: placement breakdown",
            changed_at=IN_80_20,
        ),
    )

    # A second concern while the case is open joins it: no second case, no second review.
    later = IN_80_20 + timedelta(days=1)
    another = RaiseConcern(by="P-1", reason="no supervision on nights")
    history = history.when(another, at=later).then(
        ConcernRaised(
            concern_number=2,
            kind=ConcernKind.PLACEMENT_CONCERN,
            severity=Severity.MEDIUM,
            reason="no supervision on nights",
            raised_by="P-1",
            case_number=1,
            raised_at=later,
        )
    )

    move = MoveToNewHome(home_id="H-2", registered_manager="P-rm-2", employer_mentor="P-mentor-2")
    moved_at = IN_80_20 + timedelta(days=9)
    history = history.when(outcome(history, move), at=moved_at).then(
        InterventionClosed(
            case_number=1,
            outcome=move,
            decided_by="P-devlead-1",
            approved_by="P-ops-1",
            closed_at=moved_at,
        ),
        HomeChanged(
            case_number=1,
            from_home="H-1",
            to_home="H-2",
            registered_manager="P-rm-2",
            employer_mentor="P-mentor-2",
            changed_at=moved_at,
        ),
        RagChanged(
            status=RagStatus.GREEN, reason="intervention 1 closed: move", changed_at=moved_at
        ),
    )
    assert history.state.rag == RagStatus.GREEN and history.state.open_case is None

    state, _ = run_programme(history.state, moved_at)
    assert state.status == ParticipantStatus.COMPLETED
    # From the move on, the new home's manager signs what the old one would have.
    signers = {t.assignee for t in state.tasks.values() if t.role == "registered_manager"}
    assert "P-rm-2" in signers and all(
        t.assignee == "P-rm-2"
        for t in state.tasks.values()
        if t.role == "registered_manager" and t.opened_at >= moved_at
    )


def test_a_move_hands_the_old_managers_open_tasks_to_the_new_ones() -> None:
    history = answering(enrolled(), until_phase=Phase.CARE_PLACEMENT)
    now = history.state.phase_started_at
    assert now is not None
    rm_tasks = [t.task_id for t in history.state.open_tasks if t.assignee == "P-rm-1"]
    assert rm_tasks, "the care placement has a placement review for the Registered Manager"
    history = history.when(RaiseConcern(by="P-rm-1", reason="x"), at=now).accepted()
    move = MoveToNewHome(home_id="H-2", registered_manager="P-rm-2", employer_mentor="P-mentor-2")
    moved_at = now + timedelta(days=1)
    history.when(outcome(history, move), at=moved_at).then_includes(
        *(
            TaskReassigned(
                task_id=task_id,
                from_person="P-rm-1",
                to_person="P-rm-2",
                by="system",
                reason="moved to home H-2 (intervention 1)",
                reassigned_at=moved_at,
            )
            for task_id in rm_tasks
        )
    )


def test_a_care_certificate_overrun_raises_one_concern_and_an_extension_moves_the_end() -> None:
    history = answering(enrolled(), until_phase=Phase.CARE_PLACEMENT)
    started = history.state.phase_started_at
    assert started is not None
    # Nobody signs the standards: three months in, the timetable raises the concern.
    target = started + timedelta(weeks=13)
    history = answering(
        history, until=target + timedelta(days=30), hold=TaskKind.CARE_CERTIFICATE_STANDARD
    )
    concerns = [m for m in history.moments if isinstance(m.event, ConcernRaised)]
    assert [(m.at, m.event.kind, m.event.raised_by, m.event.raised_at) for m in concerns] == [
        (target, ConcernKind.CARE_CERTIFICATE_OVERRUN, "system", target)
    ]
    assert history.state.rag == RagStatus.RED
    end_before = history.state.expected_end
    assert end_before is not None

    now = target + timedelta(days=30)
    history = history.when(outcome(history, ExtendPhase(weeks=6)), at=now).then_includes(
        PhaseExtended(
            phase=Phase.CARE_PLACEMENT,
            weeks=6,
            earliest_end=started + timedelta(weeks=19),
            expected_end=end_before + timedelta(weeks=6),
            extended_at=now,
        )
    )
    state = history.state
    standard = next(t for t in state.open_tasks if t.kind == TaskKind.CARE_CERTIFICATE_STANDARD)
    assert standard.due_at == state.phase_earliest_end
    assert state.rag == RagStatus.GREEN

    state, _ = run_programme(state, now)
    assert state.completed_at == state.expected_end == end_before + timedelta(weeks=6)


def test_a_break_in_learning_stops_the_timetable_and_moves_the_end_by_its_length() -> None:
    history = in_first_line_management()
    concern = RaiseConcern(by="P-1", reason="caring for a parent")
    history = history.when(concern, at=IN_80_20).accepted()
    end_before = history.state.expected_end
    assert end_before is not None
    returns = IN_80_20 + timedelta(weeks=8)
    history = history.when(
        outcome(history, BreakInLearning(weeks=8), approved_by=None), at=IN_80_20
    ).then_includes(BreakStarted(case_number=1, starts_at=IN_80_20, returns_at=returns))
    assert history.state.status == ParticipantStatus.ON_BREAK
    # Nothing on the timetable until the return: no reminder, no review.
    assert next_wakeup(history.state) == returns
    assert due(history.state, returns - timedelta(seconds=1)) == []
    task = history.state.open_tasks[0]
    answer = DecideTask(task_id=task.task_id, decided_by="x", outcome=Outcome.APPROVE)
    history.when(answer, at=IN_80_20 + timedelta(weeks=1)).then_refused(
        ParticipantNotActive, "participant P-1 has a break in learning until"
    )
    back = history.wake_until(returns)
    assert back.recorded_since(history)[0] == BreakEnded(
        length=timedelta(weeks=8), ended_at=returns
    )
    assert back.state.status == ParticipantStatus.ACTIVE
    assert back.state.expected_end == end_before + timedelta(weeks=8)
    _, rest = run_programme(back.state, returns)
    completed = [e for e in rest if isinstance(e, ProgrammeCompleted)]
    assert [c.completed_at for c in completed] == [end_before + timedelta(weeks=8)]


def test_a_safeguarding_concern_suspends_until_the_case_closes() -> None:
    history = in_first_line_management()
    concern = RaiseConcern(
        by="P-mentor-1", kind=ConcernKind.SAFEGUARDING, severity="low", reason="x"
    )
    # Whatever severity was given, safeguarding is high, and suspends at once.
    history = history.when(concern, at=IN_80_20).then_includes(
        InterventionOpened(
            case_number=1,
            kind=ConcernKind.SAFEGUARDING,
            severity=Severity.HIGH,
            assignee="P-devlead-1",
            review_task_id="intervention.1.review",
            opened_at=IN_80_20,
        ),
        ParticipantSuspended(case_number=1, suspended_at=IN_80_20),
    )
    plan = ContinueWithSupportPlan(plan="supervised shifts only", review_after_weeks=4)
    decided_at = IN_80_20 + timedelta(days=5)
    history = history.when(outcome(history, plan, approved_by=None), at=decided_at).then_includes(
        SuspensionLifted(case_number=1, lifted_at=decided_at),
    )
    assert not history.state.suspended and history.state.rag == RagStatus.GREEN
    review = history.state.tasks["support_plan_review.1"]
    assert review.due_at == IN_80_20 + timedelta(days=5, weeks=4)


def test_withdrawal_closes_every_task_and_stops_the_timetable() -> None:
    history = in_first_line_management()
    history = history.when(RaiseConcern(by="P-devlead-1", reason="x"), at=IN_80_20).accepted()
    leaving = Withdraw(reason="took a post abroad", destination=WithdrawalDestination.LEFT_SECTOR)
    history = history.when(outcome(history, leaving), at=IN_80_20 + timedelta(days=3)).accepted()
    state = history.state
    assert state.status == ParticipantStatus.WITHDRAWN
    assert state.open_tasks == ()
    assert {t.status for t in state.tasks.values()} >= {TaskStatus.CANCELLED}
    assert next_wakeup(state) is None
    assert state.withdrawal is not None and state.withdrawal.destination == "left_sector"


def test_management_time_short_turns_amber_then_persistent_opens_a_case() -> None:
    history = in_first_line_management()
    monday = IN_80_20.date()

    def week(n: int, management: float, by: str = "P-rm-1") -> History:
        command = SubmitTimesheet(
            by=by,
            week_start=monday + timedelta(weeks=n),
            care_hours=37.5 - management,
            management_hours=management,
        )
        return history.when(command, at=IN_80_20 + timedelta(weeks=n, days=4)).accepted()

    for n in range(4):
        history = week(n, 7.5)  # 20%: on target
    assert history.state.rag == RagStatus.GREEN
    assert history.state.management_share == pytest.approx(0.2)
    history = week(4, 0.0)
    history = week(5, 0.0)  # 10% over the window: short
    assert history.state.rag == RagStatus.AMBER
    assert history.state.rag_history[-1].reason == (
        "management time 10% against 20% over the latest weeks recorded"
    )
    history = week(6, 0.0)
    assert history.state.open_case is None
    history = week(7, 0.0)  # three short windows in a row
    case = history.state.open_case
    assert case is not None and case.kind == ConcernKind.MANAGEMENT_TIME_OFF_TRACK
    assert history.state.rag == RagStatus.RED
    # The participant's own record is submitted, a manager's verified; the manager's wins.
    assert history.state.timesheets[monday.isoformat()].verified
    mine = SubmitTimesheet(by="P-1", week_start=monday, care_hours=30, management_hours=7.5)
    history.when(mine, at=IN_80_20 + timedelta(weeks=8)).then_refused(
        InvalidTimesheet, f"the week of {monday} is already verified by P-rm-1"
    )


def test_refusals_name_the_rule() -> None:
    history = in_first_line_management()
    history.when(RaiseConcern(by="stranger", reason="x"), at=IN_80_20).then_refused(
        InvalidConcern,
        "stranger does not support participant P-1; a concern is reported by "
        "their Registered Manager, mentor, Development Lead, coach, assessor, ops or the "
        "participant",
    )
    early = answering(enrolled(), until_phase=Phase.SUMMER_INSTITUTE)
    sheet = SubmitTimesheet(
        by="P-1", week_start=date(2027, 9, 6), care_hours=30, management_hours=5
    )
    early.when(sheet, at=PROGRAMME_START + timedelta(days=8)).then_refused(
        InvalidTimesheet,
        "participant P-1 is in summer_institute, which has no management "
        "time target; time sheets are kept in the 80/20 and 60/40 phases",
    )
    history = history.when(RaiseConcern(by="P-1", reason="x"), at=IN_80_20).accepted()
    unapproved = outcome(history, ExtendPhase(weeks=2), approved_by=None)
    history.when(unapproved, at=IN_80_20).then_refused(
        InvalidInterventionOutcome, "a extend outcome needs ops' approval"
    )
    with pytest.raises(ValueError, match="at least 4 weeks, not 2"):
        BreakInLearning(weeks=2)


def test_the_fold_of_an_intervention_history_is_the_live_state() -> None:
    history = in_first_line_management()
    history = history.when(
        RaiseConcern(by="P-rm-1", kind=ConcernKind.SAFEGUARDING, reason="x"), at=IN_80_20
    ).accepted()
    history = history.when(
        outcome(history, BreakInLearning(weeks=4), approved_by=None),
        at=IN_80_20 + timedelta(days=2),
    ).accepted()
    history = history.when(AdvanceTime(), at=IN_80_20 + timedelta(weeks=5)).accepted()
    assert history.state.time_out == timedelta(weeks=4) and not history.state.suspended
    assert fold(history.events, "P-1") == history.state


# --- the timetable's own concerns, timed on its simulated clock -----------------------------


@pytest.mark.parametrize(
    ("held", "raised"),
    [
        (TaskKind.PROGRESS_REVIEW, ConcernKind.PROGRESS_REVIEW_MISSED),
        (TaskKind.OUTPLACEMENT_REPORT, ConcernKind.OUTPLACEMENT_REPORT_OVERDUE),
    ],
)
def test_a_task_left_overdue_past_its_grace_raises_one_concern_then(
    held: TaskKind, raised: ConcernKind
) -> None:
    """Everything else answered as it opens; the first task of kind `held` is left: two
    weeks after its due date the timetable opens a case for the Development Lead, once."""
    history = answering(enrolled(), until=PROGRAMME_START + timedelta(weeks=60), hold=held)
    late = min(
        (t for t in history.state.tasks.values() if t.kind == held), key=lambda t: t.opened_at
    )
    raised_at = late.due_at + LATE_TASK_GRACE
    concerns = [m for m in history.moments if isinstance(m.event, ConcernRaised)]
    assert concerns[0].at == raised_at
    assert concerns[0].event == ConcernRaised(
        concern_number=1,
        kind=raised,
        severity=Severity.MEDIUM,
        reason=f"task {late.task_id} ({late.title}) not done",
        raised_by="system",
        case_number=1,
        raised_at=raised_at,
        trigger=f"{raised}:{late.key}",
    )
    assert history.state.interventions[1].assignee == "P-devlead-1"
    # One concern per late task, however long it stays late.
    assert len([m for m in concerns if late.task_id in m.event.reason]) == 1


def test_the_timetable_raises_nothing_while_every_task_is_answered() -> None:
    history = answering(enrolled(), until=PROGRAMME_START + timedelta(weeks=60))
    assert not [e for e in history.events if isinstance(e, ConcernRaised)]
    assert history.state.rag == RagStatus.GREEN
