"""The forecast's backtest: the record cut at a past instant (each stream's events up to
it, folded again), the cohort forecast from what was known then, and the error against
what happened after: completions, and the median completer's readiness date in
programme days."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.forecast.monte_carlo import CohortForecast, forecast_cohort
from domain.forecast.rates import observed_rates, programme_days
from domain.instants import UtcDatetime
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState
from domain.programme.phases import ParticipantStatus


class Backtest(BaseModel):
    model_config = ConfigDict(frozen=True)

    forecast: CohortForecast
    actual_completions: int
    actual_readiness_median: UtcDatetime | None
    completions_error: float  # forecast mean - actual
    completions_within_interval: bool
    readiness_error_days: float | None  # forecast median - actual median, programme days
    readiness_within_interval: bool | None


def as_of(
    events: Sequence[ParticipantEvent], participant_id: str, instant: datetime
) -> ParticipantState:
    """The participant as the record knew them at `instant`."""
    known = []
    for event in events:
        if event.at > instant:
            break
        known.append(event)
    return fold(known, participant_id)


def midway(histories: Mapping[str, Sequence[ParticipantEvent]]) -> datetime:
    """Halfway between the first and the last event on these streams."""
    instants = [event.at for events in histories.values() for event in events]
    return min(instants) + (max(instants) - min(instants)) / 2


def backtest(
    cohort_id: str,
    histories: Mapping[str, Sequence[ParticipantEvent]],
    instant: datetime,
    *,
    runs: int,
    seed: int,
) -> Backtest:
    """`histories`: every participant's events on record, by participant id (the rates
    come from all of them, as known at `instant`)."""
    final = {pid: fold(events, pid) for pid, events in histories.items()}
    then = {pid: as_of(events, pid, instant) for pid, events in histories.items()}
    known = [state for state in then.values() if state.enrolment is not None]
    members = sorted(pid for pid, state in final.items() if state.cohort_id == cohort_id)
    forecast = forecast_cohort(
        cohort_id,
        [then[pid] for pid in members if then[pid].enrolment is not None],
        observed_rates(known),
        instant,
        runs=runs,
        seed=seed,
    )
    ends = sorted(
        state.completed_at
        for pid in members
        if (state := final[pid]).status is ParticipantStatus.COMPLETED
        and state.completed_at is not None
    )
    actual = ends[(len(ends) - 1) // 2] if ends else None
    time_scale = final[members[0]].time_scale if members else 1.0
    predicted = forecast.readiness_median
    return Backtest(
        forecast=forecast,
        actual_completions=len(ends),
        actual_readiness_median=actual,
        completions_error=round(forecast.completions_mean - len(ends), 2),
        completions_within_interval=forecast.completions_low
        <= len(ends)
        <= forecast.completions_high,
        readiness_error_days=(
            round(programme_days(predicted - actual, time_scale), 1)
            if predicted is not None and actual is not None
            else None
        ),
        readiness_within_interval=(
            forecast.readiness_low <= actual <= forecast.readiness_high
            if actual is not None
            and forecast.readiness_low is not None
            and forecast.readiness_high is not None
            else None
        ),
    )
