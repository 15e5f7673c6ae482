"""A cohort's status and success measures from its participants' states: phase times in
programme days, withdrawals with their destinations, overdue tasks, open interventions."""

from __future__ import annotations

from datetime import timedelta

from domain.cohort.report import cohort_status, measures_rows, success_measures
from domain.intervention.outcomes import ConcernKind, Severity, WithdrawalDestination
from domain.participant.event_summary import summarise
from domain.participant.events import (
    InterventionOpened,
    ParticipantEnrolled,
    ParticipantEvent,
    ParticipantWithdrawn,
    PhaseCompleted,
    PhaseStarted,
    ProgrammeCompleted,
    TaskOpened,
)
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState
from domain.programme.phases import Phase
from domain.programme.tasks import TaskKind
from domain.roles import Role
from tests.domain.domain_builders import PROGRAMME_START, SUPPORT

T0 = PROGRAMME_START
DAY = timedelta(days=1)


def participant(pid: str, *more: ParticipantEvent) -> ParticipantState:
    """Enrolled at a time scale of 10: each real day is ten programme days."""
    events: list[ParticipantEvent] = [
        ParticipantEnrolled(
            participant_id=pid,
            cohort_id="C-1",
            programme_version="2025.1",
            time_scale=10,
            programme_start=T0,
            home_id="H-1",
            support=SUPPORT,
            enrolled_at=T0,
        ),
        PhaseStarted(phase=Phase.ENROLMENT, started_at=T0, earliest_end=T0),
        PhaseCompleted(phase=Phase.ENROLMENT, completed_at=T0 + DAY),
        PhaseStarted(phase=Phase.SUMMER_INSTITUTE, started_at=T0 + DAY, earliest_end=T0 + DAY),
        *more,
    ]
    return fold(events, pid)


def test_success_measures_count_destinations_and_phase_times_in_programme_days() -> None:
    staying = participant("P-1")
    withdrawn = participant(
        "P-2",
        ParticipantWithdrawn(
            case_number=1,
            reason="took a nursing place",
            destination=WithdrawalDestination.HEALTH_CARE,
            withdrawn_at=T0 + DAY * 1.5,
        ),
    )
    completed = participant("P-3", ProgrammeCompleted(completed_at=T0 + DAY * 1.5))
    measures = success_measures("C-1", [staying, withdrawn, completed], now=T0 + 3 * DAY)
    assert (measures.recruited, measures.progressing, measures.completed) == (3, 1, 1)
    assert (measures.withdrawn, measures.destinations) == (1, {"health_care": 1})
    enrolment, institute = measures.phase_times[0], measures.phase_times[1]
    assert (enrolment.completed, enrolment.median_days, enrolment.longest_days) == (3, 10.0, 10.0)
    # Only P-1 is still in the Institute: two real days so far, twenty programme days.
    assert (institute.in_phase, institute.in_phase_median_days) == (1, 20.0)
    rows = measures_rows(measures)
    assert ("withdrawn", "destination: health_care", "1") in rows
    assert ("phase_median_days", "enrolment", "10.0") in rows


def test_status_counts_those_on_the_programme_and_lists_overdue_tasks_and_cases() -> None:
    task = TaskOpened(
        task_id="pre_start_checks",
        kind=TaskKind.PRE_START_CHECKS,
        title="Pre-start checks",
        phase=Phase.SUMMER_INSTITUTE,
        role=Role.OPS,
        assignee="P-ops-1",
        opened_at=T0 + DAY,
        due_at=T0 + 2 * DAY,
    )
    case = InterventionOpened(
        case_number=1,
        kind=ConcernKind.PLACEMENT_CONCERN,
        severity=Severity.MEDIUM,
        assignee="P-devlead-1",
        review_task_id="intervention.1.review",
        opened_at=T0 + DAY,
    )
    late = participant("P-1", task, case)
    gone = participant("P-2", ProgrammeCompleted(completed_at=T0 + DAY))
    status = cohort_status("C-1", None, [late, gone], now=T0 + 3 * DAY)
    assert status.per_status == {"active": 1, "completed": 1}
    assert status.per_phase == {Phase.SUMMER_INSTITUTE: 1}
    assert [(o.participant_id, o.task.task_id) for o in status.overdue] == [
        ("P-1", "pre_start_checks")
    ]
    assert [(i.participant_id, i.case.number) for i in status.interventions] == [("P-1", 1)]
    assert summarise(case) == (
        "intervention case 1 opened (placement_concern, medium), reviewed by P-devlead-1"
    )
