"""`scls forecast [--cohort C] [--runs N] [--seed S] [--backtest [--as-of INSTANT]]`: how
many of each cohort will finish, and when they will be ready to apply as Registered
Manager, at the rates the record shows so far (domain/forecast/). `--backtest` cuts the
record of a finished or rehearsed cohort at a past instant (default: halfway through),
forecasts from what was known then, and shows the error against what happened.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from scls.cli.cohort import unknown_cohort
from scls.cli.common import settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import migrated_database
from scls.settings import Settings

if TYPE_CHECKING:
    from domain.forecast.backtest import Backtest
    from domain.forecast.monte_carlo import CohortForecast
    from domain.forecast.rates import PhaseRates
    from domain.programme.phases import Phase

stdout = console()


@expected_errors
def forecast(
    cohort_id: Annotated[str | None, typer.Option("--cohort", help="Only this cohort.")] = None,
    runs: Annotated[int, typer.Option(min=1, max=100_000, help="Monte Carlo runs.")] = 1000,
    seed: Annotated[
        int, typer.Option(help="The random seed: the same seed, the same figures.")
    ] = 0,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="Forecast a finished or rehearsed cohort as of a past instant and show the error.",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="--backtest: the instant (ISO 8601; default: halfway)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """Predicted completions and Registered Manager readiness dates per cohort, with 80%
    intervals, from a Monte Carlo of each running participant's remaining path."""
    settings = settings_and_logging()
    if backtest:
        if cohort_id is None:
            fail("--backtest needs --cohort: the cohort to forecast as of a past instant")
        tested = asyncio.run(_backtest(settings, cohort_id, _instant(as_of), runs, seed))
        if as_json:
            typer.echo(json.dumps(tested.model_dump(mode="json"), indent=2))
            return
        _print_forecasts([tested.forecast])
        _print_backtest(tested)
        return
    if as_of is not None:
        fail("--as-of goes with --backtest")
    forecasts, rates = asyncio.run(_forecast(settings, cohort_id, runs, seed))
    if as_json:
        shown = {
            "rates": [r.model_dump(mode="json") for r in rates.values()],
            "cohorts": [f.model_dump(mode="json") for f in forecasts],
        }
        typer.echo(json.dumps(shown, indent=2))
        return
    _print_rates(rates)
    _print_forecasts(forecasts)


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not an ISO 8601 instant (2031-03-01T12:00:00+00:00)")
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


async def _forecast(
    settings: Settings, cohort_id: str | None, runs: int, seed: int
) -> tuple[list[CohortForecast], dict[Phase, PhaseRates]]:
    from domain.forecast.monte_carlo import forecast_cohort
    from domain.forecast.rates import observed_rates
    from store.cohorts import participant_states

    async with migrated_database(settings) as pool:
        states = await participant_states(pool, None)
    rates = observed_rates(states)
    cohorts = sorted({s.cohort_id for s in states if s.cohort_id is not None})
    if cohort_id is not None:
        if cohort_id not in cohorts:
            unknown_cohort(cohort_id)
        cohorts = [cohort_id]
    now = datetime.now(UTC)
    forecasts = [
        forecast_cohort(
            cohort, [s for s in states if s.cohort_id == cohort], rates, now, runs=runs, seed=seed
        )
        for cohort in cohorts
    ]
    return forecasts, rates


async def _backtest(
    settings: Settings, cohort_id: str, instant: datetime | None, runs: int, seed: int
) -> Backtest:
    from domain.forecast.backtest import backtest, midway
    from domain.participant.events import parse_participant_event
    from store.histories import participant_streams

    async with migrated_database(settings) as pool:
        streams = await participant_streams(pool)
    histories = {
        pid: [parse_participant_event(e.data) for e in events] for pid, events in streams.items()
    }
    members = {
        pid: events
        for pid, events in histories.items()
        if events and getattr(events[0], "cohort_id", None) == cohort_id
    }
    if not members:
        unknown_cohort(cohort_id)
    return backtest(cohort_id, histories, instant or midway(members), runs=runs, seed=seed)


def _print_rates(rates: dict[Phase, PhaseRates]) -> None:
    import statistics

    table = Table(
        "phase",
        "entered",
        "median days",
        "withdrawn",
        "interventions",
        "sent back",
        title="observed rates by phase",
    )
    for rate in rates.values():
        durations = rate.durations_days
        table.add_row(
            rate.phase.value,
            str(rate.entered),
            f"{statistics.median(durations):.0f}" if durations else "-",
            f"{rate.withdrawal_rate:.0%}",
            f"{rate.intervention_rate:.2f} a participant",
            f"{rate.send_back_rate:.0%} of decisions",
        )
    stdout.print(table)


def _print_forecasts(forecasts: list[CohortForecast]) -> None:
    table = Table(
        "cohort",
        "as of (UTC)",
        "running",
        "completed",
        "withdrawn",
        "completions (80%)",
        "ready as RM, median (80%)",
        title="forecast",
    )
    for f in forecasts:
        ready = "-"
        if f.readiness_median and f.readiness_low and f.readiness_high and f.readiness_weeks:
            low, median, high = f.readiness_weeks
            ready = (
                f"{when(f.readiness_median)} ({when(f.readiness_low)} to "
                f"{when(f.readiness_high)}); programme week {median:g} ({low:g} to {high:g})"
            )
        table.add_row(
            escape(f.cohort_id),
            when(f.as_of),
            str(f.running),
            str(f.completed_so_far),
            str(f.withdrawn_so_far),
            f"{f.completions_mean:g} ({f.completions_low} to {f.completions_high})",
            ready,
        )
    stdout.print(table)


def _print_backtest(tested: Backtest) -> None:
    actual = when(tested.actual_readiness_median) if tested.actual_readiness_median else "-"
    lines = [
        f"actual: {tested.actual_completions} completed, median ready {actual} UTC",
        f"error: completions {tested.completions_error:+g} "
        f"({'inside' if tested.completions_within_interval else 'outside'} the interval)",
    ]
    if tested.readiness_error_days is not None:
        inside = "inside" if tested.readiness_within_interval else "outside"
        lines.append(
            f"error: readiness {tested.readiness_error_days:+g} programme days "
            f"({inside} the interval)"
        )
    stdout.print(escape("\n".join(lines)))
