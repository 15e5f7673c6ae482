"""`scls report ...`: figures for funders and the scheme's board, from Postgres.

`report measures [--cohort C]` gives all three kinds of success measure (domain/measures.py):
quantitative, qualitative and quality, with LQF growth and the homes flagged for poor
placement ratings, as a table, CSV, xlsx (to a file or a pipe) or JSON; CSV and xlsx hold
the same rows: section, subject, measure, breakdown, value.

`report cohort COHORT` gives the Programme Manual's success measures the engine knows
of: recruited, progressing, completed, withdrawn (with destinations), and time spent in
each phase in programme days. CSV has one measure a row: measure, breakdown, value (cells
a spreadsheet would run as a formula are neutralised, scls/spreadsheet.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from scls.cli.cohort import unknown_cohort
from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors
from scls.cli.output import console
from scls.cli.tasks import migrated_database
from scls.settings import Settings
from scls.spreadsheet import write_csv, write_xlsx

if TYPE_CHECKING:
    from domain.cohort.report import SuccessMeasures
    from domain.measures import SuccessMeasures as AllMeasures

report = typer.Typer(no_args_is_help=True)


class ReportFormat(StrEnum):
    CSV = "csv"
    TABLE = "table"
    JSON = "json"


@report.command("cohort")
@expected_errors
def cohort_command(
    cohort_id: Annotated[str, typer.Argument(metavar="COHORT", help="The cohort's id.")],
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="csv, table or json.")
    ] = ReportFormat.TABLE,
) -> None:
    """A cohort's success measures: recruited, progressing, completed, withdrawn, phase times."""
    from domain.cohort.report import measures_rows

    measures = asyncio.run(_measures(settings_and_logging(), cohort_id))
    if report_format is ReportFormat.JSON:
        typer.echo(json.dumps(measures.model_dump(mode="json"), indent=2))
        return
    rows = measures_rows(measures)
    if report_format is ReportFormat.CSV:
        write_csv(sys.stdout, ("measure", "breakdown", "value"), rows)
        return
    table = Table("measure", "breakdown", "value", title=f"cohort {cohort_id}")
    for row in rows:
        table.add_row(*row)
    console().print(table)


async def _measures(settings: Settings, cohort_id: str) -> SuccessMeasures:
    from domain.cohort.report import success_measures
    from store.cohorts import participant_states

    async with migrated_database(settings) as pool:
        participants: list[Any] = await participant_states(pool, cohort_id)
    if not participants:
        unknown_cohort(cohort_id)
    return success_measures(cohort_id, participants, datetime.now(UTC))


class MeasuresFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


MEASURES_HEADER = ("section", "subject", "measure", "breakdown", "value")


@report.command("measures")
@expected_errors
def measures_command(
    cohort_id: Annotated[
        str | None, typer.Option("--cohort", metavar="COHORT", help="One cohort only.")
    ] = None,
    report_format: Annotated[
        MeasuresFormat, typer.Option("--format", help="table, csv, xlsx or json.")
    ] = MeasuresFormat.TABLE,
) -> None:
    """Success measures: recruited, completed, in RM posts and retained at 12 and 24
    months, feedback and placement quality, LQF growth, CQC ratings before and after."""
    from domain.measures import measures_rows

    if report_format is MeasuresFormat.XLSX and sys.stdout.isatty():
        raise typer.BadParameter("xlsx is binary: send it to a file (> measures.xlsx)")
    found = asyncio.run(_all_measures(settings_and_logging(), cohort_id))
    if report_format is MeasuresFormat.JSON:
        typer.echo(json.dumps(found.model_dump(mode="json"), indent=2))
        return
    rows = measures_rows(found)
    if report_format is MeasuresFormat.CSV:
        write_csv(sys.stdout, MEASURES_HEADER, rows)
    elif report_format is MeasuresFormat.XLSX:
        write_xlsx(sys.stdout.buffer, "success measures", MEASURES_HEADER, rows)
        sys.stdout.buffer.flush()
    else:
        table = Table(
            *MEASURES_HEADER, title=f"success measures{f' of {cohort_id}' if cohort_id else ''}"
        )
        for row in rows:
            table.add_row(*row)
        console().print(table)


async def _all_measures(settings: Settings, cohort_id: str | None) -> AllMeasures:
    from store.measures import measures

    async with migrated_database(settings) as pool:
        found = await measures(pool, cohort_id)
    if cohort_id is not None and not found.cohorts:
        unknown_cohort(cohort_id)
    return found
