"""The `scls` command line: one typer app, one file per command or command group."""

from __future__ import annotations

import logging
import os
import sys

import typer

from scls.cli.alumni import alumni
from scls.cli.cohort import cohort
from scls.cli.cqc import cqc
from scls.cli.db import db
from scls.cli.dev import dev
from scls.cli.forecast import forecast
from scls.cli.health import health
from scls.cli.interventions import interventions
from scls.cli.keys import keys
from scls.cli.participant import participant
from scls.cli.people import people
from scls.cli.person import person
from scls.cli.programme import programme
from scls.cli.projections import projections
from scls.cli.rehearse import rehearse
from scls.cli.report import report
from scls.cli.schedules import schedules
from scls.cli.sessions import sessions
from scls.cli.settings import settings
from scls.cli.tasks import tasks
from scls.cli.web import web
from scls.cli.work import evidence, reports, reviews
from scls.cli.worker import worker

app = typer.Typer(
    name="scls",
    help="The Social Care Leaders Scheme engine.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold personal data and secrets
    add_completion=False,
)
app.command("dev")(dev)
app.command("worker")(worker)
app.command("web")(web)
app.command("settings")(settings)
app.command("health")(health)
app.command("rehearse")(rehearse)
app.command("forecast")(forecast)
app.add_typer(db, name="db")
app.add_typer(projections, name="projections")
app.add_typer(people, name="people")
app.add_typer(tasks, name="tasks")
app.add_typer(interventions, name="interventions")
app.add_typer(cohort, name="cohort")
app.add_typer(participant, name="participant")
app.add_typer(programme, name="programme")
app.add_typer(sessions, name="sessions")
app.add_typer(report, name="report")
app.add_typer(evidence, name="evidence")
app.add_typer(reports, name="reports")
app.add_typer(reviews, name="reviews")
app.add_typer(keys, name="keys")
app.add_typer(schedules, name="schedules")
app.add_typer(cqc, name="cqc")
app.add_typer(alumni, name="alumni")
app.add_typer(person, name="person")


def main() -> None:
    """Run the command, then leave without the interpreter's teardown: the Temporal
    client's Rust threads can outlive the event loop, and a process finalising around
    them now and then dies of SIGSEGV after its work is done (temporalio/sdk-python#300).
    Everything the command wrote is flushed first."""
    try:
        app()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
