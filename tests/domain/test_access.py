"""The web console's access rules: who sees a participant, who is offered a task's form,
who reads the notes of a coaching or mentoring session."""

from datetime import timedelta

from domain.access import (
    Viewer,
    is_the_participant,
    may_answer,
    may_read_session_notes,
    may_view_cohorts,
    may_view_participant,
    sessions_to_record,
)
from domain.participant.commands import Delegate, ReassignTask, RecordSession
from domain.participant.decide import decide
from domain.participant.state import ParticipantState, initial_state
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.roles import Role
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, until_phase

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)


def enrolled() -> ParticipantState:
    state = initial_state("P-1")
    return applied(state, decide(state, enrol_command("P-1"), ENROLLED_AT))


def viewer(person: str, *roles: Role) -> Viewer:
    return Viewer(person_id=person, roles=frozenset(roles))


def test_ops_see_everyone_and_the_dashboard_others_do_not() -> None:
    state = enrolled()
    ops = viewer("P-ops-9", Role.OPS)  # not this participant's ops lead: still ops
    assert may_view_participant(ops, state, ENROLLED_AT)
    assert may_view_cohorts(ops)
    assert not may_view_cohorts(viewer("P-rm-1", Role.REGISTERED_MANAGER))


def test_the_participants_support_sees_them_and_another_homes_assessor_does_not() -> None:
    state = enrolled()
    for person in ("P-rm-1", "P-mentor-1", "P-devlead-1", "P-coach-1", "P-assessor-1"):
        assert may_view_participant(viewer(person, Role.ASSESSOR), state, ENROLLED_AT), person
    assert not may_view_participant(viewer("P-assessor-2", Role.ASSESSOR), state, ENROLLED_AT)
    # A course partner is a peer, not a supporter.
    assert not may_view_participant(viewer("P-2", Role.PARTICIPANT), state, ENROLLED_AT)


def test_a_task_holder_and_a_current_deputy_see_the_participant_and_get_the_form() -> None:
    state = enrolled()
    now = ENROLLED_AT + timedelta(days=1)
    state = applied(
        state,
        decide(
            state,
            ReassignTask(task_id="pre_start_checks", to_person="P-ops-2", by="P-ops-1"),
            now,
        ),
    )
    task = state.tasks["pre_start_checks"]
    holder = viewer("P-ops-2")
    assert may_view_participant(holder, state, now)
    assert may_answer(holder, state, task, now)

    deputy = viewer("P-deputy")
    assert not may_view_participant(deputy, state, now)
    grant = Delegate(
        from_person="P-ops-2",
        to_person="P-deputy",
        starts_at=now,
        until=now + timedelta(days=7),
        by="P-ops-2",
    )
    state = applied(state, decide(state, grant, now))
    assert may_view_participant(deputy, state, now)
    assert may_answer(deputy, state, task, now)
    later = now + timedelta(days=8)
    assert not may_view_participant(deputy, state, later)
    assert not may_answer(deputy, state, task, later)


def test_nobody_is_offered_the_form_of_someone_elses_or_a_decided_task() -> None:
    state = enrolled()
    task = state.tasks["pre_start_checks"]
    assert may_answer(viewer("P-ops-1"), state, task, ENROLLED_AT)
    assert not may_answer(viewer("P-rm-1", Role.REGISTERED_MANAGER), state, task, ENROLLED_AT)
    decided = task.model_copy(update={"status": "approved"})
    assert not may_answer(viewer("P-ops-1"), state, decided, ENROLLED_AT)


def test_a_participant_is_their_own_record_and_not_their_course_partners() -> None:
    # Given P-1, whose course partner is P-2
    state = enrolled()
    assert state.supporters().course_partners == ("P-2",)
    # Then P-1 is the participant of their own record, and P-2 may not see it
    assert is_the_participant(viewer("P-1", Role.PARTICIPANT), state.participant_id)
    partner = viewer("P-2", Role.PARTICIPANT)
    assert not is_the_participant(partner, state.participant_id)
    assert not may_view_participant(partner, state, ENROLLED_AT)


def test_session_notes_are_for_the_participant_and_the_author_alone() -> None:
    # Given a coaching session the coach recorded, with notes
    state = until_phase(enrolled(), Phase.CARE_PLACEMENT)
    now = state.as_of
    assert now is not None
    coaching = RecordSession(
        by="P-coach-1",
        kind=SessionKind.COACHING,
        held_on=now.date(),
        minutes=50,
        themes=(SessionTheme.CAREER,),
        notes="Thinking about leaving.",
    )
    state = applied(state, decide(state, coaching, now))
    (session,) = state.support_sessions
    # Then the participant and the coach read the notes; their manager and ops do not
    assert may_read_session_notes(viewer("P-1", Role.PARTICIPANT), state, session)
    assert may_read_session_notes(viewer("P-coach-1", Role.COACH), state, session)
    for reader in (viewer("P-rm-1", Role.REGISTERED_MANAGER), viewer("P-ops-1", Role.OPS)):
        assert may_view_participant(reader, state, now)
        assert not may_read_session_notes(reader, state, session)
    # And only the coach and the mentor are offered the form, each for their own kind
    assert sessions_to_record(viewer("P-coach-1"), state) == (SessionKind.COACHING,)
    assert sessions_to_record(viewer("P-mentor-1"), state) == (SessionKind.MENTORING,)
    assert sessions_to_record(viewer("P-rm-1"), state) == ()
