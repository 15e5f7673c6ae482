"""My programme, the participant's own view of their record: where they are, what is due
from them and what they wait on from whom since when, management time against the
target, outplacements, conferences with their attendance, their support, sessions and
sign-offs."""

from __future__ import annotations

from datetime import date, timedelta

from domain.cohort.decide import (
    open_cohort,
    record_attendance,
)
from domain.cohort.state import CohortState, fold_cohort
from domain.participant.commands import (
    DecideTask,
    Delegate,
    RaiseConcern,
    ReassignTask,
    RecordSession,
    SubmitTimesheet,
)
from domain.participant.decide import decide
from domain.participant.my_programme import (
    ConferenceAttendance,
    StepState,
    my_programme,
)
from domain.participant.state import OutplacementStatus, ParticipantState, initial_state
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.programme.tasks import Outcome, TaskStatus
from tests.domain.domain_builders import (
    PROGRAMME_START,
    applied,
    cohort_of,
    enrol_command,
    until_phase,
)

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)


def in_first_line_management() -> ParticipantState:
    state = initial_state("P-1")
    state = applied(state, decide(state, enrol_command("P-1"), ENROLLED_AT))
    return until_phase(state, Phase.FIRST_LINE_MANAGEMENT)


def cohort_with_attendance() -> CohortState:
    definition = cohort_of(
        ("P-1", "P-2"), cohort_id="C-north-2027", hub="Leeds", start=PROGRAMME_START
    )
    events = open_cohort(definition, ENROLLED_AT)
    state = fold_cohort(events, "C-north-2027")
    at = PROGRAMME_START + timedelta(weeks=30)
    events += record_attendance(state, 1, ("P-1",), ("P-2",), "P-ops-1", at)
    state = fold_cohort(events, "C-north-2027")
    events += record_attendance(state, 2, (), ("P-1",), "P-ops-1", at)
    return fold_cohort(events, "C-north-2027")


def week(n: int, start: date) -> SubmitTimesheet:
    return SubmitTimesheet(
        by="P-rm-1",
        week_start=start + timedelta(weeks=n),
        care_hours=30,
        management_hours=6,
    )


def test_a_participant_sees_where_they_are_and_who_they_are_waiting_on() -> None:
    # Given a participant a few weeks into first-line management
    state = in_first_line_management()
    started = state.phase_started_at
    assert started is not None
    now = started + timedelta(weeks=5)
    monday = (started + timedelta(days=7 - started.weekday())).date()
    # with four weeks' hours at 6 of 36 (17%: under 20%, but within the five points allowed)
    for n in range(4):
        state = applied(state, decide(state, week(n, monday), now))
    # their assessor away, with a deputy deciding their tasks
    away = Delegate(
        from_person="P-assessor-1",
        to_person="P-assessor-2",
        starts_at=now,
        until=now + timedelta(weeks=2),
        by="P-assessor-1",
    )
    state = applied(state, decide(state, away, now))
    # the phase review handed to the participant to prepare, and a coaching session held
    state = applied(
        state,
        decide(
            state,
            ReassignTask(
                task_id="phase_review.first_line_management", to_person="P-1", by="P-devlead-1"
            ),
            now,
        ),
    )
    session = RecordSession(
        by="P-coach-1",
        kind=SessionKind.COACHING,
        held_on=now.date(),
        minutes=60,
        themes=(SessionTheme.MANAGING_SERVICES,),
        notes="Rota practice.",
    )
    state = applied(state, decide(state, session, now))

    # When they open My programme
    view = my_programme(state, cohort_with_attendance(), now)

    # Then they see the phase they are in among the six, and what comes next
    assert view.phase_title == "First-line management experience (80/20)"
    assert [step.state for step in view.phases] == [
        StepState.DONE,
        StepState.DONE,
        StepState.DONE,
        StepState.CURRENT,
        StepState.TO_COME,
        StepState.TO_COME,
    ]
    assert view.next_phase is not None
    assert view.next_phase.title == "Towards Registered Manager status (60/40)"
    assert view.next_phase.earliest == state.phase_earliest_end
    assert "Level 3 Diploma in Adult Care achieved" in view.next_phase.sign_offs_to_come
    # what is due from them
    assert [task.task_id for task in view.due_from_you] == ["phase_review.first_line_management"]
    # and whom they wait on, since when: the deputy, for the assessor away
    diploma = next(w for w in view.waiting_on if w.task_id == "level3_diploma")
    assert (diploma.person, diploma.on_behalf_of, diploma.since) == (
        "P-assessor-2",
        "P-assessor-1",
        started,
    )
    # their management time against the phase's target, not short of it
    assert view.management is not None
    assert view.management.target == 0.2
    assert view.management.share is not None and round(view.management.share, 3) == 0.167
    assert view.management.weeks_recorded == 4
    assert not view.management.short
    # the outplacements, the first planned in this phase
    assert [(o.number, o.status, o.year) for o in view.outplacements] == [
        (1, OutplacementStatus.PLANNED, 1),
        (2, OutplacementStatus.PLANNED, 2),
        (3, OutplacementStatus.PLANNED, 2),
    ]
    # their own attendance, the next conference to come
    attendance = [c.attendance for c in view.conferences]
    assert attendance[:2] == [ConferenceAttendance.ATTENDED, ConferenceAttendance.ABSENT]
    assert view.next_conference is not None and view.next_conference.number == 3
    # their support team, and their course partner by id (the console names them)
    assert [(s.title, s.person_id) for s in view.support][:3] == [
        ("Development Lead", "P-devlead-1"),
        ("Independent coach", "P-coach-1"),
        ("Employer mentor", "P-mentor-1"),
    ]
    assert view.course_partners == ("P-2",)
    # coaching: the session they had, and the next due
    assert [s.number for s in view.sessions] == [1]
    coaching = next(c for c in view.session_cadence if c.kind == SessionKind.COACHING)
    assert coaching.last_held_on == now.date()
    # and their record of sign-offs, the latest first
    assert view.sign_offs[0].title == "First placement review"
    assert view.sign_offs[0].status == TaskStatus.APPROVED
    assert {s.title for s in view.sign_offs} >= {"Summer Institute completed"}


def test_a_case_review_stays_in_the_case_file() -> None:
    # Given a concern about the participant, which opens a review for the Development Lead
    state = in_first_line_management()
    now = state.as_of
    assert now is not None
    concern = RaiseConcern(by="P-rm-1", reason="Struggling with the rota")
    state = applied(state, decide(state, concern, now))
    review = next(t for t in state.open_tasks if t.task_id == "intervention.1.review")
    # When the review is held
    held = DecideTask(
        task_id=review.task_id,
        decided_by="P-devlead-1",
        outcome=Outcome.HELD,
        comment="Meeting notes",
    )
    before = my_programme(state, None, now)
    state = applied(state, decide(state, held, now))
    after = my_programme(state, None, now)
    # Then neither the open review nor its notes are on My programme
    assert all(w.task_id != review.task_id for w in before.waiting_on)
    assert all(s.comment != "Meeting notes" for s in after.sign_offs)
    # and without the cohort on record there are no conferences to show
    assert after.conferences == ()
