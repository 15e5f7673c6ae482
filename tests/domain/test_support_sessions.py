"""Coaching and mentoring sessions: the coach and the mentor record the sessions they
held, the rules refuse what cannot be a session, and the cadence the programme expects
says when a participant has gone twice its length without one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import InvalidSession, ParticipantNotActive, PersonNotAllowed
from domain.intervention.outcomes import WithdrawalDestination
from domain.participant.commands import RecordSession
from domain.participant.decide import decide
from domain.participant.event_summary import summarise
from domain.participant.events import (
    BreakEnded,
    BreakStarted,
    ParticipantWithdrawn,
    SupportSessionRecorded,
)
from domain.participant.state import ParticipantState, initial_state
from domain.participant.support_sessions import session_cadence, sessions_missed
from domain.programme.definition import PROGRAMMES
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, until_phase

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)


def enrolled(time_scale: float = 1.0) -> ParticipantState:
    state = initial_state("P-1")
    command = enrol_command("P-1", time_scale=time_scale)
    return applied(state, decide(state, command, ENROLLED_AT))


def in_care_placement() -> ParticipantState:
    return until_phase(enrolled(), Phase.CARE_PLACEMENT)


def placement_start(state: ParticipantState) -> datetime:
    current = state.current_phase
    assert current is not None and current.phase == Phase.CARE_PLACEMENT
    return current.started_at


def coaching(held_on: date, **changes: object) -> RecordSession:
    fields: dict[str, object] = {
        "by": "P-coach-1",
        "kind": SessionKind.COACHING,
        "held_on": held_on,
        "minutes": 60,
        "themes": (SessionTheme.WORKING_WITH_OTHERS, SessionTheme.WELLBEING),
        "notes": "Talked through a hard conversation with a colleague.",
    }
    return RecordSession.model_validate({**fields, **changes})


def test_the_coach_records_a_session_and_the_state_keeps_it_without_its_notes() -> None:
    # Given a participant in their care placement
    state = in_care_placement()
    now = placement_start(state) + timedelta(days=10)
    # When their coach records a session held yesterday
    events = decide(state, coaching(now.date() - timedelta(days=1)), now)
    # Then it is on record, notes and all, as session 1
    assert [type(e) for e in events] == [SupportSessionRecorded]
    (recorded,) = events
    assert (recorded.session_number, recorded.kind, recorded.minutes) == (
        1,
        SessionKind.COACHING,
        60,
    )
    assert recorded.notes == "Talked through a hard conversation with a colleague."
    # and the timeline's line, which everyone around them reads, leaves the notes out
    line = summarise(recorded)
    assert line == (
        f"coaching session 1 on {now.date() - timedelta(days=1)} (60 min: working with "
        "others, wellbeing) recorded by P-coach-1"
    )
    assert "colleague" not in line
    # and the participant's state knows there are notes, not what they say
    after = applied(state, events)
    (session,) = after.support_sessions
    assert session.has_notes and "notes" not in session.model_dump()
    assert "colleague" not in after.model_dump_json()


def test_the_employer_mentor_records_mentoring_and_blank_notes_are_none() -> None:
    state = in_care_placement()
    now = placement_start(state) + timedelta(days=3)
    command = RecordSession(
        by="P-mentor-1",
        kind=SessionKind.MENTORING,
        held_on=now.date(),
        minutes=45,
        themes=(SessionTheme.CARE_PRACTICE, SessionTheme.CARE_PRACTICE),
        notes="   ",
    )
    (recorded,) = decide(state, command, now)
    assert recorded.notes is None
    assert recorded.themes == (SessionTheme.CARE_PRACTICE,)
    assert not applied(state, [recorded]).support_sessions[0].has_notes


@pytest.mark.parametrize(
    ("changes", "refusal", "message"),
    [
        (
            {"by": "P-mentor-1"},
            PersonNotAllowed,
            "P-mentor-1 may not record a coaching session for participant P-1: only their "
            "coach P-coach-1 may",
        ),
        (
            {"kind": SessionKind.MENTORING},
            PersonNotAllowed,
            "P-coach-1 may not record a mentoring session for participant P-1: only their "
            "employer mentor P-mentor-1 may",
        ),
        (
            {"held_on": "tomorrow"},
            InvalidSession,
            "is in the future (today is",
        ),
        (
            {"held_on": date(2027, 1, 1)},
            InvalidSession,
            "a coaching session on 2027-01-01 is before participant P-1 enrolled, on 2027-07-26",
        ),
        (
            {"minutes": 0},
            InvalidSession,
            "a session of 0 minutes: its length must be more than 0 and at most 480 minutes",
        ),
        ({"minutes": 600}, InvalidSession, "a session of 600 minutes"),
        ({"themes": ()}, InvalidSession, "name at least one theme the session covered"),
    ],
)
def test_what_cannot_be_a_session_is_refused_in_words(
    changes: dict[str, object], refusal: type[Exception], message: str
) -> None:
    # Given a participant in their care placement
    state = in_care_placement()
    now = placement_start(state) + timedelta(days=10)
    if changes.get("held_on") == "tomorrow":
        changes = {**changes, "held_on": now.date() + timedelta(days=1)}
    command = coaching(now.date()).model_copy(update=changes)
    # When a session is recorded that breaks a rule, then it is refused, saying which
    with pytest.raises(refusal) as refused:
        decide(state, command, now)
    assert message in str(refused.value)


def test_the_same_session_twice_is_refused_and_sessions_after_withdrawal_are_not_kept() -> None:
    state = in_care_placement()
    now = placement_start(state) + timedelta(days=10)
    state = applied(state, decide(state, coaching(now.date()), now))
    with pytest.raises(InvalidSession) as twice:
        decide(state, coaching(now.date(), minutes=30), now)
    assert str(twice.value) == (
        f"a coaching session on {now.date()} is already recorded (session 1, by P-coach-1)"
    )
    withdrawn = applied(
        state,
        [
            ParticipantWithdrawn(
                case_number=1,
                reason="moving abroad",
                destination=WithdrawalDestination.LEFT_SECTOR,
                withdrawn_at=now,
            )
        ],
    )
    with pytest.raises(ParticipantNotActive):
        decide(withdrawn, coaching(now.date() - timedelta(days=1)), now)


def test_both_programmes_expect_coaching_monthly_and_mentoring_fortnightly() -> None:
    for programme in PROGRAMMES.values():
        cadences = {c.kind: (c.every, c.described) for c in programme.session_cadences}
        assert cadences == {
            SessionKind.COACHING: (timedelta(weeks=4), "monthly"),
            SessionKind.MENTORING: (timedelta(weeks=2), "fortnightly"),
        }


def test_sessions_are_expected_from_the_care_placement_and_missed_at_twice_the_cadence() -> None:
    # Given a participant not yet in their care placement, no session is expected
    assert session_cadence(until_phase(enrolled(), Phase.SUMMER_INSTITUTE)) == ()
    # Given one who has just started it, with no session yet
    state = in_care_placement()
    started = placement_start(state)
    coach, mentor = session_cadence(state)
    assert (coach.kind, coach.held_by, coach.sessions, coach.last_held_on) == (
        SessionKind.COACHING,
        "P-coach-1",
        0,
        None,
    )
    # Then coaching is due four weeks in and missed at eight; mentoring at two and four
    assert (coach.due_by, coach.missed_from) == (
        started + timedelta(weeks=4),
        started + timedelta(weeks=8),
    )
    assert mentor.missed_from == started + timedelta(weeks=4)
    assert sessions_missed(state, started + timedelta(weeks=4) - timedelta(seconds=1)) == ()
    assert sessions_missed(state, started + timedelta(weeks=4)) == (mentor,)

    # When the coach records a session six weeks in
    held = started + timedelta(weeks=6)
    state = applied(state, decide(state, coaching(held.date()), held))
    # Then coaching counts from that day
    coach, _ = session_cadence(state)
    midnight = datetime.combine(held.date(), datetime.min.time(), UTC)
    assert (coach.sessions, coach.last_held_on) == (1, held.date())
    assert coach.missed_from == midnight + timedelta(weeks=8)


def test_no_session_is_expected_on_a_break_and_the_cadence_restarts_on_return() -> None:
    state = in_care_placement()
    started = placement_start(state)
    away, back = started + timedelta(weeks=1), started + timedelta(weeks=9)
    # Given a break in learning
    on_break = applied(state, [BreakStarted(case_number=1, starts_at=away, returns_at=back)])
    # Then nothing is expected meanwhile
    assert session_cadence(on_break) == ()
    # And from the return, each kind counts afresh
    returned = applied(on_break, [BreakEnded(length=back - away, ended_at=back)])
    coach, mentor = session_cadence(returned)
    assert coach.missed_from == back + timedelta(weeks=8)
    assert mentor.due_by == back + timedelta(weeks=2)


def test_the_cadence_follows_the_cohorts_time_scale() -> None:
    state = until_phase(enrolled(time_scale=1000.0), Phase.CARE_PLACEMENT)
    coach, _ = session_cadence(state)
    assert coach.missed_from - placement_start(state) == timedelta(weeks=8) / 1000.0
