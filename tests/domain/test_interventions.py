"""Interventions in the domain: each trigger opens one case, each outcome changes the
participant's timetable, tasks and RAG status as the scheme expects, and refusals say why."""

from datetime import date, datetime, timedelta

import pytest
from domain_builders import PROGRAMME_START, applied, enrol_command, run_programme

from domain.intervention.outcomes import (
    BreakInLearning,
    ConcernKind,
    ContinueWithSupportPlan,
    ExtendPhase,
    MoveToNewHome,
    Withdraw,
    WithdrawalDestination,
)
from domain.participant.commands import (
    AdvanceTime,
    ApplyInterventionOutcome,
    DecideTask,
    RaiseConcern,
    SubmitTimesheet,
)
from domain.participant.decide import decide
from domain.participant.events import (
    BreakEnded,
    ConcernRaised,
    ParticipantEvent,
    ProgrammeCompleted,
    TaskReassigned,
)
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Outcome, TaskKind, TaskStatus
from domain.rag import RagStatus

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)
IN_80_20 = PROGRAMME_START + timedelta(weeks=20)  # the 80/20 phase begins


def run_until(
    state: ParticipantState,
    phase: Phase,
    now: datetime,
    events: list[ParticipantEvent] | None = None,
) -> ParticipantState:
    """Every task answered in time until the participant reaches `phase` (the events
    recorded go to `events`, when given)."""
    events = [] if events is None else events
    while state.phase != phase:
        wakeup = next_wakeup(state)
        assert wakeup is not None
        open_now = [t for t in state.open_tasks if t.opened_at <= wakeup]
        if open_now:
            task = open_now[0]
            now = max(now, task.opened_at)
            command: DecideTask | AdvanceTime = DecideTask(
                task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
            )
        else:
            now, command = wakeup, AdvanceTime()
        new = decide(state, command, now)
        state = applied(state, new)
        events.extend(new)
    return state


def enrolled() -> ParticipantState:
    return applied(initial_state("P-1"), decide(initial_state("P-1"), enrol_command(), ENROLLED_AT))


def in_first_line_management() -> ParticipantState:
    state = run_until(enrolled(), Phase.FIRST_LINE_MANAGEMENT, ENROLLED_AT)
    return applied(state, due(state, IN_80_20))


def refusal(state: ParticipantState, command: object, now: datetime) -> str:
    with pytest.raises(Exception) as refused:
        decide(state, command, now)  # type: ignore[arg-type]
    return f"{type(refused.value).__name__}: {refused.value}"


def apply(
    state: ParticipantState, outcome: object, now: datetime, approved_by: str | None = "P-ops-1"
) -> ParticipantState:
    command = ApplyInterventionOutcome(
        case_number=state.open_case.number,  # type: ignore[union-attr]
        outcome=outcome,  # type: ignore[arg-type]
        decided_by="P-devlead-1",
        approved_by=approved_by,
    )
    return applied(state, decide(state, command, now))


def test_a_breakdown_opens_one_case_and_a_move_hands_the_placement_to_the_new_home() -> None:
    state = in_first_line_management()
    breakdown = RaiseConcern(
        by="P-rm-1", kind=ConcernKind.PLACEMENT_BREAKDOWN, reason="relationship broke down"
    )
    state = applied(state, decide(state, breakdown, IN_80_20))
    case = state.open_case
    assert case is not None and (case.number, case.kind, case.assignee) == (
        1,
        "placement_breakdown",
        "P-devlead-1",
    )
    review = state.tasks["intervention.1.review"]
    assert (review.kind, review.assignee) == (TaskKind.INTERVENTION_REVIEW, "P-devlead-1")
    # Ten working days after a Monday is the Monday two weeks on.
    assert IN_80_20.weekday() == 0 and review.due_at == IN_80_20 + timedelta(days=14)
    assert state.rag == RagStatus.RED
    assert state.rag_history[-1].reason == "intervention 1 opened: placement breakdown"

    # A second concern while the case is open joins it.
    later = IN_80_20 + timedelta(days=1)
    another = RaiseConcern(by="P-1", reason="no supervision on nights")
    state = applied(state, decide(state, another, later))
    assert len(state.interventions) == 1 and state.open_case.concerns == (1, 2)  # type: ignore[union-attr]

    move = MoveToNewHome(home_id="H-2", registered_manager="P-rm-2", employer_mentor="P-mentor-2")
    moved_at = IN_80_20 + timedelta(days=9)
    events = decide(
        state,
        ApplyInterventionOutcome(
            case_number=1, outcome=move, decided_by="P-devlead-1", approved_by="P-ops-1"
        ),
        moved_at,
    )
    state = applied(state, events)
    assert state.home_id == "H-2" and state.person_for("registered_manager") == "P-rm-2"
    assert state.rag == RagStatus.GREEN and state.open_case is None

    state, _ = run_programme(state, moved_at)
    assert state.status == ParticipantStatus.COMPLETED
    # From the move on, the new home's manager signs what the old one would have.
    signers = {t.assignee for t in state.tasks.values() if t.role == "registered_manager"}
    assert "P-rm-2" in signers and all(
        t.assignee == "P-rm-2"
        for t in state.tasks.values()
        if t.role == "registered_manager" and t.opened_at >= moved_at
    )


def test_a_move_hands_the_old_managers_open_tasks_to_the_new_ones() -> None:
    state = run_until(enrolled(), Phase.CARE_PLACEMENT, ENROLLED_AT)
    now = state.phase_started_at
    assert now is not None
    rm_tasks = [t.task_id for t in state.open_tasks if t.assignee == "P-rm-1"]
    assert rm_tasks, "the care placement has a placement review for the Registered Manager"
    state = applied(state, decide(state, RaiseConcern(by="P-rm-1", reason="x"), now))
    move = MoveToNewHome(home_id="H-2", registered_manager="P-rm-2", employer_mentor="P-mentor-2")
    command = ApplyInterventionOutcome(
        case_number=1, outcome=move, decided_by="P-devlead-1", approved_by="P-ops-1"
    )
    events = decide(state, command, now + timedelta(days=1))
    handed_over = [(e.task_id, e.to_person) for e in events if isinstance(e, TaskReassigned)]
    assert handed_over == [(task_id, "P-rm-2") for task_id in rm_tasks]


def answer_until(
    state: ParticipantState, until: datetime, hold: TaskKind
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    """Every task but those of kind `hold` answered as it opens, until `until`."""
    events: list[ParticipantEvent] = []
    now = state.as_of
    assert now is not None
    while True:
        waiting = [t for t in state.open_tasks if t.kind != hold]
        wakeup = next_wakeup(state)
        if waiting:
            task = waiting[0]
            now = max(now, task.opened_at)
            command: DecideTask | AdvanceTime = DecideTask(
                task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
            )
        elif wakeup is not None and wakeup <= until:
            now, command = wakeup, AdvanceTime()
        else:
            return state, events
        new = decide(state, command, now)
        events += new
        state = applied(state, new)


def test_a_care_certificate_overrun_raises_one_concern_and_an_extension_moves_the_end() -> None:
    state = run_until(enrolled(), Phase.CARE_PLACEMENT, ENROLLED_AT)
    started = state.phase_started_at
    assert started is not None
    # Nobody signs the standards: three months in, the timetable raises the concern.
    target = started + timedelta(weeks=13)
    state, events = answer_until(
        state, target + timedelta(days=30), TaskKind.CARE_CERTIFICATE_STANDARD
    )
    concerns = [e for e in events if isinstance(e, ConcernRaised)]
    assert [(c.kind, c.raised_by, c.raised_at) for c in concerns] == [
        (ConcernKind.CARE_CERTIFICATE_OVERRUN, "system", target)
    ]
    assert state.rag == RagStatus.RED
    end_before = state.expected_end
    assert end_before is not None

    now = target + timedelta(days=30)
    state = apply(state, ExtendPhase(weeks=6), now)
    assert state.phase_earliest_end == started + timedelta(weeks=19)
    assert state.expected_end == end_before + timedelta(weeks=6)
    standard = next(t for t in state.open_tasks if t.kind == TaskKind.CARE_CERTIFICATE_STANDARD)
    assert standard.due_at == state.phase_earliest_end
    assert state.rag == RagStatus.GREEN

    state, _ = run_programme(state, now)
    assert state.completed_at == state.expected_end == end_before + timedelta(weeks=6)


def test_a_break_in_learning_stops_the_timetable_and_moves_the_end_by_its_length() -> None:
    state = in_first_line_management()
    state = applied(
        state, decide(state, RaiseConcern(by="P-1", reason="caring for a parent"), IN_80_20)
    )
    end_before = state.expected_end
    assert end_before is not None
    state = apply(state, BreakInLearning(weeks=8), IN_80_20, approved_by=None)
    assert state.status == ParticipantStatus.ON_BREAK
    returns = IN_80_20 + timedelta(weeks=8)
    assert next_wakeup(state) == returns
    assert due(state, returns - timedelta(seconds=1)) == []  # no reminder, no review
    assert refusal(
        state,
        DecideTask(task_id=state.open_tasks[0].task_id, decided_by="x", outcome=Outcome.APPROVE),
        IN_80_20 + timedelta(weeks=1),
    ).startswith("ParticipantNotActive: participant P-1 has a break in learning until")
    events = due(state, returns)
    assert events[0] == BreakEnded(length=timedelta(weeks=8), ended_at=returns)
    state = applied(state, events)
    assert state.status == ParticipantStatus.ACTIVE
    assert state.expected_end == end_before + timedelta(weeks=8)
    state, rest = run_programme(state, returns)
    completed = [e for e in rest if isinstance(e, ProgrammeCompleted)]
    assert [c.completed_at for c in completed] == [end_before + timedelta(weeks=8)]


def test_a_safeguarding_concern_suspends_until_the_case_closes() -> None:
    state = in_first_line_management()
    concern = RaiseConcern(
        by="P-mentor-1", kind=ConcernKind.SAFEGUARDING, severity="low", reason="x"
    )
    state = applied(state, decide(state, concern, IN_80_20))
    assert state.suspended and state.open_case.severity == "high"  # type: ignore[union-attr]
    plan = ContinueWithSupportPlan(plan="supervised shifts only", review_after_weeks=4)
    state = apply(state, plan, IN_80_20 + timedelta(days=5), approved_by=None)
    assert not state.suspended and state.rag == RagStatus.GREEN
    review = state.tasks["support_plan_review.1"]
    assert review.due_at == IN_80_20 + timedelta(days=5, weeks=4)


def test_withdrawal_closes_every_task_and_stops_the_timetable() -> None:
    state = in_first_line_management()
    state = applied(state, decide(state, RaiseConcern(by="P-devlead-1", reason="x"), IN_80_20))
    leaving = Withdraw(reason="took a post abroad", destination=WithdrawalDestination.LEFT_SECTOR)
    state = apply(state, leaving, IN_80_20 + timedelta(days=3))
    assert state.status == ParticipantStatus.WITHDRAWN
    assert state.open_tasks == ()
    assert {t.status for t in state.tasks.values()} >= {TaskStatus.CANCELLED}
    assert next_wakeup(state) is None
    assert state.withdrawal is not None and state.withdrawal.destination == "left_sector"


def test_management_time_short_turns_amber_then_persistent_opens_a_case() -> None:
    state = in_first_line_management()
    monday = IN_80_20.date()

    def week(n: int, management: float, by: str = "P-rm-1") -> ParticipantState:
        command = SubmitTimesheet(
            by=by,
            week_start=monday + timedelta(weeks=n),
            care_hours=37.5 - management,
            management_hours=management,
        )
        return applied(state, decide(state, command, IN_80_20 + timedelta(weeks=n, days=4)))

    for n in range(4):
        state = week(n, 7.5)  # 20%: on target
    assert state.rag == RagStatus.GREEN and state.management_share == pytest.approx(0.2)
    state = week(4, 0.0)
    state = week(5, 0.0)  # 10% over the window: short
    assert state.rag == RagStatus.AMBER
    assert state.rag_history[-1].reason == (
        "management time 10% against 20% over the latest weeks recorded"
    )
    state = week(6, 0.0)
    assert state.open_case is None
    state = week(7, 0.0)  # three short windows in a row
    case = state.open_case
    assert case is not None and case.kind == ConcernKind.MANAGEMENT_TIME_OFF_TRACK
    assert state.rag == RagStatus.RED
    # The participant's own record is submitted, a manager's verified; the manager's wins.
    assert state.timesheets[monday.isoformat()].verified
    assert refusal(
        state,
        SubmitTimesheet(by="P-1", week_start=monday, care_hours=30, management_hours=7.5),
        IN_80_20 + timedelta(weeks=8),
    ) == (f"InvalidTimesheet: the week of {monday} is already verified by P-rm-1")


def test_refusals_name_the_rule() -> None:
    state = in_first_line_management()
    assert refusal(state, RaiseConcern(by="stranger", reason="x"), IN_80_20) == (
        "InvalidConcern: stranger does not support participant P-1; a concern is reported by "
        "their Registered Manager, mentor, Development Lead, coach, assessor, ops or the "
        "participant"
    )
    early = run_until(enrolled(), Phase.SUMMER_INSTITUTE, ENROLLED_AT)
    sheet = SubmitTimesheet(
        by="P-1", week_start=date(2027, 9, 6), care_hours=30, management_hours=5
    )
    assert refusal(early, sheet, PROGRAMME_START + timedelta(days=8)) == (
        "InvalidTimesheet: participant P-1 is in summer_institute, which has no management "
        "time target; time sheets are kept in the 80/20 and 60/40 phases"
    )
    state = applied(state, decide(state, RaiseConcern(by="P-1", reason="x"), IN_80_20))
    unapproved = ApplyInterventionOutcome(
        case_number=1, outcome=ExtendPhase(weeks=2), decided_by="P-devlead-1"
    )
    assert refusal(state, unapproved, IN_80_20) == (
        "InvalidInterventionOutcome: a extend outcome needs ops' approval"
    )
    with pytest.raises(ValueError, match="at least 4 weeks, not 2"):
        BreakInLearning(weeks=2)


def test_the_fold_of_an_intervention_history_is_the_live_state() -> None:
    events = decide(initial_state("P-1"), enrol_command(), ENROLLED_AT)
    state = run_until(
        applied(initial_state("P-1"), events), Phase.FIRST_LINE_MANAGEMENT, ENROLLED_AT, events
    )
    steps: list[tuple[object, datetime]] = [
        (RaiseConcern(by="P-rm-1", kind=ConcernKind.SAFEGUARDING, reason="x"), IN_80_20),
        (
            ApplyInterventionOutcome(
                case_number=1, outcome=BreakInLearning(weeks=4), decided_by="P-devlead-1"
            ),
            IN_80_20 + timedelta(days=2),
        ),
        (AdvanceTime(), IN_80_20 + timedelta(weeks=5)),
    ]
    for command, now in steps:
        new = decide(state, command, now)  # type: ignore[arg-type]
        events += new
        state = applied(state, new)
    assert state.time_out == timedelta(weeks=4) and not state.suspended
    assert fold(events, "P-1") == state
