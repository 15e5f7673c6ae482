"""Geometry for the pages' SVG charts, worked out here so the templates only draw:
a participant's phases along the programme, and participants per phase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.participant.state import ParticipantState
from domain.programme.phases import Phase

# Enrolment has no nominal length; it still gets a sliver of the bar so it can be seen.
_ENROLMENT_SHARE = 0.04


@dataclass(frozen=True)
class PhaseSegment:
    phase: Phase
    title: str
    x: float  # left edge, 0..100 (percent of the bar)
    width: float
    state: str  # "done", "current" or "to_come"


@dataclass(frozen=True)
class PhaseTimeline:
    segments: tuple[PhaseSegment, ...]
    now_x: float | None  # where the participant is, inside the current segment


def phase_timeline(state: ParticipantState, now: datetime) -> PhaseTimeline:
    """The programme's phases, each as wide as its nominal length, marked done, current or
    to come; the marker sits as far into the current phase as its time has run."""
    programme = state.programme
    total = programme.total_duration
    shares = [
        _ENROLMENT_SHARE
        if d.duration == timedelta()
        else (1 - _ENROLMENT_SHARE) * (d.duration / total)
        for d in programme.phases
    ]
    done = {record.phase for record in state.phase_history if record.completed_at is not None}
    current = state.current_phase
    segments: list[PhaseSegment] = []
    now_x: float | None = None
    x = 0.0
    for definition, share in zip(programme.phases, shares, strict=True):
        width = share * 100
        if definition.phase in done:
            where = "done"
        elif current is not None and current.phase == definition.phase and state.is_active:
            where = "current"
            span = (current.earliest_end - current.started_at).total_seconds()
            run = (now - current.started_at).total_seconds()
            fraction = min(1.0, max(0.0, run / span)) if span > 0 else 0.5
            now_x = x + width * fraction
        else:
            where = "to_come"
        segments.append(PhaseSegment(definition.phase, definition.title, x, width, where))
        x += width
    return PhaseTimeline(tuple(segments), now_x)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # percent of the longest bar


def bars(counts: Mapping[str, int]) -> tuple[Bar, ...]:
    longest = max(counts.values(), default=0)
    return tuple(
        Bar(label, count, 100 * count / longest if longest else 0.0)
        for label, count in counts.items()
    )
