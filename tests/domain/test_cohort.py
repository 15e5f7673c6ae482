"""Cohort definition checks, course partner pairing, conference dates and the summary."""

from datetime import timedelta

import pytest
from domain_builders import PROGRAMME_START

from domain.cohort.course_partners import pair_course_partners
from domain.cohort.decide import (
    CohortDefinition,
    ParticipantEnrolmentInput,
    enrolments,
    open_cohort,
    record_attendance,
)
from domain.cohort.events import ParticipantProgressed, parse_cohort_event
from domain.cohort.intake import check_in_no_other_cohort, check_no_newcomers
from domain.cohort.state import fold_cohort
from domain.errors import (
    CohortAlreadyStarted,
    DuplicateParticipant,
    HomeTooSmall,
    InAnotherCohort,
    NotInCohort,
    PersonNotAllowed,
    UnknownConference,
    UnknownProgrammeVersion,
)
from domain.programme.phases import ParticipantStatus, Phase
from domain.rag import RagStatus


def member(participant_id: str, home_id: str) -> ParticipantEnrolmentInput:
    return ParticipantEnrolmentInput(
        participant_id=participant_id,
        home_id=home_id,
        registered_manager=f"rm-{home_id}",
        employer_mentor=f"mentor-{home_id}",
        development_lead="devlead-1",
        coach="coach-1",
        assessor=f"assessor-{home_id}",
    )


def definition(*members: ParticipantEnrolmentInput, **changes: object) -> CohortDefinition:
    fields: dict[str, object] = {
        "cohort_id": "C-north-2027",
        "hub": "Leeds",
        "start_date": PROGRAMME_START,
        "programme_version": "2025.1",
        "ops_lead": "ops-1",
        "institute_lead": "institute-1",
        "participants": members,
        **changes,
    }
    return CohortDefinition.model_validate(fields)


FOUR = (member("P-1", "H1"), member("P-2", "H1"), member("P-3", "H2"), member("P-4", "H2"))


def test_a_home_needs_at_least_two_participants() -> None:
    with pytest.raises(HomeTooSmall) as refused:
        definition(*FOUR, member("P-5", "H3"))
    assert str(refused.value) == "home H3 has 1 scheme participant; at least 2 are needed"


def test_duplicate_participants_and_unknown_versions_are_refused() -> None:
    with pytest.raises(DuplicateParticipant) as refused:
        definition(*FOUR, member("P-1", "H1"))
    assert str(refused.value) == "participant P-1 appears 2 times in cohort C-north-2027"
    with pytest.raises(UnknownProgrammeVersion):
        definition(*FOUR, programme_version="1999.1")


def test_a_file_may_name_no_one_in_another_cohort_nor_anyone_new_once_started() -> None:
    four = definition(*FOUR)
    check_in_no_other_cohort(four, {"P-1": "C-north-2027"})  # a second start of the same
    with pytest.raises(InAnotherCohort) as elsewhere:
        check_in_no_other_cohort(four, {"P-3": "C-south-2027", "P-1": "C-east-2027"})
    assert str(elsewhere.value) == (
        "participant P-1 is already in cohort C-east-2027; "
        "participant P-3 is already in cohort C-south-2027"
    )
    started = fold_cohort(open_cohort(four, PROGRAMME_START), "C-north-2027")
    check_no_newcomers(four, started)
    check_no_newcomers(definition(*FOUR, member("P-5", "H2")), None)  # not on record yet
    with pytest.raises(CohortAlreadyStarted) as newcomers:
        check_no_newcomers(definition(*FOUR, member("P-6", "H1"), member("P-5", "H2")), started)
    assert str(newcomers.value) == (
        "2 participant(s) in the file are not in it (P-5, P-6): "
        "a cohort takes no one after it starts"
    )


def test_pairing_is_consecutive_and_an_odd_one_out_makes_a_trio() -> None:
    assert pair_course_partners(["P-3", "P-1", "P-2"]) == {
        "P-1": ("P-2", "P-3"),
        "P-2": ("P-1", "P-3"),
        "P-3": ("P-1", "P-2"),
    }
    assert pair_course_partners(["P-4", "P-3", "P-2", "P-1"]) == {
        "P-1": ("P-2",),
        "P-2": ("P-1",),
        "P-3": ("P-4",),
        "P-4": ("P-3",),
    }


def test_partners_come_from_another_home_where_possible() -> None:
    partners = definition(*FOUR).course_partners()
    assert partners == {"P-1": ("P-3",), "P-3": ("P-1",), "P-2": ("P-4",), "P-4": ("P-2",)}
    assert [e.support.course_partners for e in enrolments(definition(*FOUR))] == [
        ("P-3",),
        ("P-4",),
        ("P-1",),
        ("P-2",),
    ]


def test_conferences_follow_the_time_scale() -> None:
    events = open_cohort(definition(*FOUR, time_scale=302400.0), PROGRAMME_START)
    conferences = [e for e in events if e.type == "ConferenceScheduled"]
    assert len(conferences) == 6
    first = conferences[0]
    assert first.starts_on == PROGRAMME_START + timedelta(seconds=20)  # week 10, 2 s a week
    assert first.ends_on - first.starts_on == timedelta(days=2) / 302400.0
    assert all(parse_cohort_event(e.model_dump(mode="json")) == e for e in events)


def test_summary_counts_phases_risk_and_attendance() -> None:
    now = PROGRAMME_START - timedelta(weeks=2)
    events = open_cohort(definition(*FOUR), now)
    state = fold_cohort(events, "C-north-2027")
    progress = [
        ParticipantProgressed(
            participant_id="P-1",
            phase=Phase.CARE_PLACEMENT,
            rag=RagStatus.AMBER,
            status=ParticipantStatus.ACTIVE,
            progressed_at=now,
        ),
        ParticipantProgressed(
            participant_id="P-2",
            phase=Phase.CARE_PLACEMENT,
            rag=RagStatus.GREEN,
            status=ParticipantStatus.ACTIVE,
            progressed_at=now,
        ),
        ParticipantProgressed(
            participant_id="P-4",
            phase=Phase.SUMMER_INSTITUTE,
            rag=RagStatus.RED,
            status=ParticipantStatus.WITHDRAWN,
            progressed_at=now,
        ),
    ]
    attendance = record_attendance(
        fold_cohort([*events, *progress], "C-north-2027"), 1, ("P-1", "P-2"), ("P-3",), "ops-1", now
    )
    summary = fold_cohort([*events, *progress, *attendance], "C-north-2027").summary()
    assert summary.participants == 4
    assert summary.per_phase == {Phase.ENROLMENT: 1, Phase.CARE_PLACEMENT: 2}
    assert (summary.at_risk, summary.withdrawn, summary.completed) == (1, 1, 0)
    assert summary.conferences[0].attended == ("P-1", "P-2")
    assert state.members["P-1"].course_partners == ("P-3",)

    with pytest.raises(UnknownConference) as refused:
        record_attendance(state, 7, (), (), "ops-1", now)
    assert (
        str(refused.value)
        == "cohort C-north-2027 has no conference 7 (scheduled: 1, 2, 3, 4, 5, 6)"
    )
    with pytest.raises(NotInCohort) as refused_person:
        record_attendance(state, 1, ("P-9",), (), "ops-1", now)
    assert str(refused_person.value) == "P-9 is not in cohort C-north-2027"


def test_only_the_ops_lead_records_attendance_and_each_record_adds_to_the_last() -> None:
    # Given a cohort of four with its conferences scheduled
    now = PROGRAMME_START + timedelta(weeks=11)
    state = fold_cohort(open_cohort(definition(*FOUR), PROGRAMME_START), "C-north-2027")
    # When someone other than its ops lead records attendance, then it is refused
    with pytest.raises(PersonNotAllowed) as refused:
        record_attendance(state, 1, ("P-1",), (), "rm-H-1", now)
    assert str(refused.value) == (
        "rm-H-1 may not record attendance at the conferences of cohort C-north-2027: "
        "only its ops lead ops-1 may"
    )
    # When the ops lead records two there and one away, and later the rest
    first = record_attendance(state, 1, ("P-1", "P-2"), ("P-3",), "ops-1", now)
    state = fold_cohort([*open_cohort(definition(*FOUR), PROGRAMME_START), *first], "C-north-2027")
    (second,) = record_attendance(state, 1, ("P-3", "P-4"), (), "ops-1", now)
    # Then the second record holds the whole conference: P-3 came after all
    assert (second.attended, second.absent) == (("P-1", "P-2", "P-3", "P-4"), ())
