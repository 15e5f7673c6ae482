"""The forecast from the record: rates observed by phase, the seeded Monte Carlo of the
running participants' remaining paths, and the backtest that cuts the record at a past
instant and compares with what happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.forecast.backtest import backtest, midway
from domain.forecast.monte_carlo import forecast_cohort
from domain.forecast.rates import observed_rates
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.state import ParticipantState, initial_state
from domain.programme.phases import ParticipantStatus, Phase
from tests.domain.domain_builders import (
    PROGRAMME_START,
    applied,
    enrol_command,
    run_programme,
    run_until,
)

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=4)
COHORT = "C-north-2027"


def history(participant_id: str, phase: Phase | None = None) -> list[ParticipantEvent]:
    """A participant's events to `phase`, or through the whole programme."""
    state = initial_state(participant_id)
    events = decide(state, enrol_command(participant_id), ENROLLED_AT)
    state = applied(state, events)
    if phase is None:
        return events + run_programme(state, ENROLLED_AT)[1]
    return events + run_until(state, phase)[1]


def fold(participant_id: str, events: list[ParticipantEvent]) -> ParticipantState:
    return applied(initial_state(participant_id), events)


FINISHED = {f"P-{n}": history(f"P-{n}") for n in range(1, 5)}
RUNNING = {f"P-{n}": history(f"P-{n}", Phase.FIRST_LINE_MANAGEMENT) for n in range(5, 8)}


def test_the_rates_are_those_of_the_record() -> None:
    states = [fold(pid, events) for pid, events in {**FINISHED, **RUNNING}.items()]
    rates = observed_rates(states)
    assert rates[Phase.CARE_PLACEMENT].entered == 7
    assert len(rates[Phase.CARE_PLACEMENT].durations_days) == 7
    assert rates[Phase.TOWARDS_REGISTERED_MANAGER].entered == 4
    assert all(rate.withdrawal_rate == 0 for rate in rates.values())
    # Every phase took at least its nominal length (the timetable's earliest end).
    assert min(rates[Phase.CARE_PLACEMENT].durations_days) >= 13 * 7


def test_the_same_seed_gives_the_same_forecast_and_nobody_withdraws_at_a_rate_of_nought() -> None:
    states = [fold(pid, events) for pid, events in {**FINISHED, **RUNNING}.items()]
    now = max(s.as_of for s in states if s.as_of is not None)
    rates = observed_rates(states)
    first = forecast_cohort(COHORT, states, rates, now, runs=200, seed=3)
    assert first == forecast_cohort(COHORT, states, rates, now, runs=200, seed=3)
    assert (first.running, first.completed_so_far) == (3, 4)
    assert first.completions_low == first.completions_high == 7
    assert first.readiness_low and first.readiness_median and first.readiness_high
    assert first.readiness_low <= first.readiness_median <= first.readiness_high


def test_the_backtest_of_a_finished_cohort_is_within_a_week_of_what_happened() -> None:
    as_of = midway(FINISHED)
    tested = backtest(COHORT, FINISHED, as_of, runs=200, seed=1)
    assert tested.forecast.as_of == as_of
    assert tested.forecast.running == 4  # all of them were on the programme halfway
    assert tested.actual_completions == 4 and tested.completions_error == 0
    assert tested.completions_within_interval
    # The rest of the path at nominal lengths (nobody had finished the later phases then):
    # these participants answered on time, so it ran to within a week of that.
    assert tested.readiness_error_days is not None and abs(tested.readiness_error_days) < 7
    finished = [fold(pid, events) for pid, events in FINISHED.items()]
    assert all(s.status is ParticipantStatus.COMPLETED for s in finished)


def test_the_record_cut_at_an_instant_knows_nothing_after_it() -> None:
    as_of: datetime = midway(FINISHED)
    tested = backtest(COHORT, FINISHED, as_of, runs=10, seed=1)
    assert tested.forecast.completed_so_far == 0
