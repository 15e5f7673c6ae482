"""Coaching and mentoring sessions: recording one (only the participant's coach or
mentor may, after the session), and the cadence the programme expects of each kind.

A kind of session is expected from the start of its cadence's phase while the
participant is active. It is due one cadence after the latest of that start, the last
session, and a return from a break in learning, and missed at twice the cadence: a
participant with a session missed shows on the ops dashboard.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from pydantic import BaseModel, ConfigDict

from domain.errors import InvalidSession, PersonNotAllowed
from domain.instants import UtcDatetime
from domain.participant.commands import RecordSession
from domain.participant.events import ParticipantEvent, SupportSessionRecorded
from domain.participant.state import ParticipantState
from domain.programme.support_sessions import MAX_SESSION_MINUTES, SessionCadence, SessionKind
from domain.timescale import scaled

# No session for this many cadences, and the session counts as missed.
MISSED_AFTER_CADENCES = 2


def session_holder(state: ParticipantState, kind: SessionKind) -> str:
    """Who holds sessions of `kind` with the participant now (a move to a new home
    brings a new mentor)."""
    return state.person_for(state.programme.session_cadence(kind).held_by)


def record_session(
    state: ParticipantState, command: RecordSession, now: datetime
) -> list[ParticipantEvent]:
    kind = command.kind.value
    held_by = state.programme.session_cadence(command.kind).held_by
    holder = state.person_for(held_by)
    if command.by != holder:
        raise PersonNotAllowed(
            f"{command.by} may not record a {kind} session for participant "
            f"{state.participant_id}: only their {held_by.value.replace('_', ' ')} {holder} may"
        )
    today = now.astimezone(UTC).date()
    if command.held_on > today:
        raise InvalidSession(
            f"a {kind} session on {command.held_on} is in the future (today is {today}): "
            "record a session once it has been held"
        )
    enrolled_on = state.enrolled().enrolled_at.date()
    if command.held_on < enrolled_on:
        raise InvalidSession(
            f"a {kind} session on {command.held_on} is before participant "
            f"{state.participant_id} enrolled, on {enrolled_on}"
        )
    if not 0 < command.minutes <= MAX_SESSION_MINUTES:
        raise InvalidSession(
            f"a session of {command.minutes} minutes: its length must be more than 0 and at "
            f"most {MAX_SESSION_MINUTES} minutes"
        )
    if not command.themes:
        raise InvalidSession("name at least one theme the session covered")
    same_day = next(
        (
            s
            for s in state.support_sessions
            if s.kind == command.kind and s.held_on == command.held_on
        ),
        None,
    )
    if same_day is not None:
        raise InvalidSession(
            f"a {kind} session on {command.held_on} is already recorded "
            f"(session {same_day.number}, by {same_day.recorded_by})"
        )
    notes = (command.notes or "").strip() or None
    return [
        SupportSessionRecorded(
            session_number=len(state.support_sessions) + 1,
            kind=command.kind,
            held_on=command.held_on,
            minutes=command.minutes,
            themes=tuple(dict.fromkeys(command.themes)),
            notes=notes,
            recorded_by=command.by,
            recorded_at=max(now, state.as_of or now),
        )
    ]


class SessionCadenceStatus(BaseModel):
    """Where one kind of session stands for a participant: the latest held, when the next
    is due, and from when it counts as missed."""

    model_config = ConfigDict(frozen=True)

    kind: SessionKind
    held_by: str
    described: str  # the cadence, "monthly"
    sessions: int
    last_held_on: date | None
    due_by: UtcDatetime
    missed_from: UtcDatetime

    def is_missed(self, now: datetime) -> bool:
        return now >= self.missed_from


def session_cadence(state: ParticipantState) -> tuple[SessionCadenceStatus, ...]:
    """Each kind of session expected of the participant now; none before its phase, on a
    break in learning, or once they have left."""
    if not state.is_active:
        return ()
    statuses = []
    for cadence in state.programme.session_cadences:
        expected_from = _expected_from(state, cadence)
        if expected_from is None:
            continue
        held = [s for s in state.support_sessions if s.kind == cadence.kind]
        last = max((s.held_on for s in held), default=None)
        since = max(
            instant
            for instant in (
                expected_from,
                _start_of(last),
                state.back_from_break_at,
            )
            if instant is not None
        )
        every = scaled(cadence.every, state.time_scale)
        statuses.append(
            SessionCadenceStatus(
                kind=cadence.kind,
                held_by=session_holder(state, cadence.kind),
                described=cadence.described,
                sessions=len(held),
                last_held_on=last,
                due_by=since + every,
                missed_from=since + MISSED_AFTER_CADENCES * every,
            )
        )
    return tuple(statuses)


def sessions_missed(state: ParticipantState, now: datetime) -> tuple[SessionCadenceStatus, ...]:
    return tuple(status for status in session_cadence(state) if status.is_missed(now))


def _expected_from(state: ParticipantState, cadence: SessionCadence) -> datetime | None:
    """When the participant entered the cadence's phase (or a later one)."""
    order = [definition.phase for definition in state.programme.phases]
    first = order.index(cadence.from_phase)
    return next((r.started_at for r in state.phase_history if order.index(r.phase) >= first), None)


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), UTC)
