"""A cohort's completions and Registered Manager readiness dates, forecast by a seeded
Monte Carlo of each running participant's remaining path at the rates the record shows.

In each run, each participant still on the programme goes through the rest of their
current phase and every phase after it: in each they withdraw with the phase's observed
withdrawal rate, or else take a duration drawn from those who completed that phase (for
the current phase, one longer than they have already spent in it; none observed: the
programme's nominal length). Interventions and send-backs act through those durations
and withdrawals, as they did for the people observed. A participant who completes is
ready to apply as Registered Manager when RM readiness ends. Those who have left count
as they left.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from domain.forecast.rates import PhaseRates, programme_days
from domain.instants import UtcDatetime
from domain.participant.state import ParticipantState
from domain.programme.definition import Programme
from domain.programme.phases import ParticipantStatus, Phase
from domain.timescale import scaled

Q = TypeVar("Q", int, datetime)
LOW, HIGH = 0.1, 0.9  # the interval given: 80% of runs fall inside it


class CohortForecast(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    as_of: UtcDatetime
    runs: int
    participants: int
    running: int
    completed_so_far: int
    withdrawn_so_far: int
    completions_mean: float
    completions_low: int
    completions_high: int
    # When the cohort's completers are ready to apply as Registered Manager: the median
    # completer's date, with the interval over runs; None if no run has any completer.
    readiness_median: UtcDatetime | None
    readiness_low: UtcDatetime | None
    readiness_high: UtcDatetime | None
    # The same three as programme weeks from the cohort's start date (a rehearsed cohort's
    # instants are minutes apart; its weeks read as the programme's).
    readiness_weeks: tuple[float, float, float] | None


def forecast_cohort(
    cohort_id: str,
    states: Sequence[ParticipantState],
    rates: Mapping[Phase, PhaseRates],
    as_of: datetime,
    *,
    runs: int,
    seed: int,
) -> CohortForecast:
    draw = random.Random(f"{seed}/{cohort_id}")
    completions: list[int] = []
    readiness: list[datetime] = []
    for _ in range(runs):
        ends = [end for state in states if (end := _path(state, rates, as_of, draw)) is not None]
        completions.append(len(ends))
        if ends:
            readiness.append(_median_instant(ends))
    completions.sort()
    readiness.sort()
    return CohortForecast(
        cohort_id=cohort_id,
        as_of=as_of,
        runs=runs,
        participants=len(states),
        running=sum(1 for s in states if not s.has_left),
        completed_so_far=sum(1 for s in states if s.status is ParticipantStatus.COMPLETED),
        withdrawn_so_far=sum(1 for s in states if s.status is ParticipantStatus.WITHDRAWN),
        completions_mean=round(statistics.fmean(completions), 2),
        completions_low=_quantile(completions, LOW),
        completions_high=_quantile(completions, HIGH),
        readiness_median=_quantile(readiness, 0.5) if readiness else None,
        readiness_low=_quantile(readiness, LOW) if readiness else None,
        readiness_high=_quantile(readiness, HIGH) if readiness else None,
        readiness_weeks=_weeks(states, readiness),
    )


def _weeks(
    states: Sequence[ParticipantState], readiness: list[datetime]
) -> tuple[float, float, float] | None:
    start = next((s.programme_start for s in states if s.programme_start is not None), None)
    if start is None or not readiness:
        return None
    scale = states[0].time_scale

    def week(instant: datetime) -> float:
        return round(programme_days(instant - start, scale) / 7, 1)

    return (
        week(_quantile(readiness, LOW)),
        week(_quantile(readiness, 0.5)),
        week(_quantile(readiness, HIGH)),
    )


def _path(
    state: ParticipantState,
    rates: Mapping[Phase, PhaseRates],
    as_of: datetime,
    draw: random.Random,
) -> datetime | None:
    """When this participant completes in one run; None if they withdraw."""
    if state.status is ParticipantStatus.COMPLETED:
        return state.completed_at
    current = state.current_phase
    if state.has_left or current is None:
        return None
    programme = state.programme
    remaining = 0.0
    if current.phase is Phase.ENROLMENT:  # it lasts until the start date
        start = state.programme_start or as_of
        remaining += max(programme_days(start - as_of, state.time_scale), 0.0)
    else:
        spent = programme_days(as_of - current.started_at, state.time_scale)
        remaining += _duration(rates[current.phase], programme, current.phase, draw, spent) - spent
    if draw.random() < rates[current.phase].withdrawal_rate:
        return None
    phase = programme.next_phase(current.phase)
    while phase is not None:
        if draw.random() < rates[phase].withdrawal_rate:
            return None
        remaining += _duration(rates[phase], programme, phase, draw, 0.0)
        phase = programme.next_phase(phase)
    return as_of + scaled(timedelta(days=remaining), state.time_scale)


def _duration(
    rates: PhaseRates, programme: Programme, phase: Phase, draw: random.Random, spent: float
) -> float:
    longer = [d for d in rates.durations_days if d > spent]
    if longer:
        return draw.choice(longer)
    nominal = programme.phase(phase).duration / timedelta(days=1)
    return max(spent, nominal)


def _median_instant(instants: list[datetime]) -> datetime:
    ordered = sorted(instants)
    return ordered[(len(ordered) - 1) // 2]


def _quantile(ordered: list[Q], share: float) -> Q:
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]
