"""Given/when/then for the participant decider: the one style of the domain tests.

    given(history).when(command, at=instant).then(*events)
    given(history).when(command, at=instant).then_refused(PersonNotAllowed, "may not decide")

`history` is the participant's events so far. `then` checks, event for event, what
`decide` records for `command` at `instant`, and returns the history those events extend,
so a test goes on from there: `.then(...).when(...)`. `then_includes` checks only the
events named, in their order, among what is recorded (a phase that ends opens a dozen
tasks; a test about its end names the end). A refusal changes nothing: `then_refused`
returns the history as it was.

Time passing is the timetable's, driven by a simulated clock as the workflow drives it:
`History.wake_until(instant)` wakes at each of `next_wakeup`'s instants up to `instant`
and records what `due` returns there, and `History.timeline` lists every event with its
instant, for tests of the timetable's exact times. No Temporal, no real clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pytest

from domain.errors import DomainError
from domain.participant.commands import ParticipantCommand
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import due, next_wakeup

PARTICIPANT = "P-1"


@dataclass(frozen=True)
class Moment:
    """One event of a history and the instant the clock read when it was recorded."""

    at: datetime
    event: ParticipantEvent


@dataclass(frozen=True)
class History:
    """A participant's events so far, and the state they fold to."""

    state: ParticipantState
    moments: tuple[Moment, ...] = ()

    @property
    def events(self) -> list[ParticipantEvent]:
        return [moment.event for moment in self.moments]

    def timeline(self, since: datetime | None = None) -> list[tuple[datetime, str]]:
        """(instant, event type) for every event recorded at or after `since`."""
        return [
            (m.at, type(m.event).__name__) for m in self.moments if since is None or m.at >= since
        ]

    def extended(self, events: Iterable[ParticipantEvent], at: datetime) -> History:
        state, moments = self.state, list(self.moments)
        for event in events:
            state = evolve(state, event)
            moments.append(Moment(at, event))
        return History(state, tuple(moments))

    def when(self, command: ParticipantCommand, *, at: datetime) -> When:
        return When(self, command, at)

    def wake_until(self, until: datetime) -> History:
        """The timetable run up to `until` on a simulated clock: woken at each instant
        `next_wakeup` names, as the workflow's timers wake it, recording what is due."""
        history = self
        while (wakeup := next_wakeup(history.state)) is not None and wakeup <= until:
            events = due(history.state, wakeup)
            assert events, f"woken at {wakeup} with nothing due: a timer that does nothing"
            history = history.extended(events, wakeup)
        return history

    def recorded_since(self, earlier: History) -> list[ParticipantEvent]:
        assert self.moments[: len(earlier.moments)] == earlier.moments
        return [m.event for m in self.moments[len(earlier.moments) :]]


def given(
    events: Sequence[ParticipantEvent] | History = (), *, participant_id: str = PARTICIPANT
) -> History:
    """The participant after `events` (none: not yet enrolled)."""
    if isinstance(events, History):
        return events
    state = initial_state(participant_id)
    moments = []
    for event in events:
        state = evolve(state, event)
        assert state.as_of is not None, f"{event} leaves the participant without a date"
        moments.append(Moment(state.as_of, event))
    return History(state, tuple(moments))


@dataclass(frozen=True)
class When:
    history: History
    command: ParticipantCommand
    at: datetime

    def recorded(self) -> list[ParticipantEvent]:
        """What `decide` records (raising what it raises)."""
        return decide(self.history.state, self.command, self.at)

    def accepted(self) -> History:
        """The history after the command, whatever it records (a step to a later test)."""
        return self.history.extended(self.recorded(), self.at)

    def then(self, *expected: ParticipantEvent) -> History:
        recorded = self.recorded()
        assert recorded == list(expected)
        return self.history.extended(recorded, self.at)

    def then_includes(self, *expected: ParticipantEvent) -> History:
        recorded = self.recorded()
        found = iter(recorded)
        missing = [event for event in expected if not any(event == e for e in found)]
        assert not missing, f"not recorded (in this order): {missing}\nrecorded: {recorded}"
        return self.history.extended(recorded, self.at)

    def then_refused(self, error: type[DomainError], message: str) -> History:
        with pytest.raises(error) as refused:
            decide(self.history.state, self.command, self.at)
        assert message in str(refused.value), f"{message!r} not in {str(refused.value)!r}"
        return self.history
