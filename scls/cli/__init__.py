"""The `scls` command line: one group, one file per command or command group, each
imported only when it runs (scls/cli/lazy.py)."""

from __future__ import annotations

import logging
import os
import sys

import typer

from scls.cli.lazy import Lazy, LazyGroup

# Every command, in the order `scls --help` lists them: where it lives, and its line there.
COMMANDS = {
    "dev": Lazy(
        "scls.cli.dev:dev",
        "Run Postgres, Temporal's dev server and the worker from the data folder until Ctrl-C.",
    ),
    "worker": Lazy(
        "scls.cli.worker:worker",
        "Run the worker until SIGTERM/Ctrl-C; in-flight tasks finish or are handed back.",
    ),
    "web": Lazy(
        "scls.cli.web:web", "Serve the web console (SCLS_WEB_HOST:SCLS_WEB_PORT) until Ctrl-C."
    ),
    "settings": Lazy(
        "scls.cli.settings:settings",
        "Print the effective settings (environment over scls.toml), secrets masked.",
    ),
    "health": Lazy(
        "scls.cli.health:health",
        "List running workflows whose workflow task keeps failing (they make no progress).",
    ),
    "rehearse": Lazy(
        "scls.cli.rehearse:rehearse",
        "Rehearse a cohort's two years at compressed time, with simulated people, and report "
        "where tasks pile up, who is overloaded and which reminders fire.",
    ),
    "forecast": Lazy(
        "scls.cli.forecast:forecast",
        "Predicted completions and Registered Manager readiness dates per cohort, with 80% "
        "intervals, from a Monte Carlo of each running participant's remaining path.",
    ),
    "db": Lazy("scls.cli.db:db", "Database commands."),
    "projections": Lazy("scls.cli.projections:projections", "Read models kept from the event log."),
    "people": Lazy("scls.cli.people:people", "The people directory."),
    "tasks": Lazy("scls.cli.tasks:tasks", "Open tasks: list, show, decide, reassign, delegate."),
    "interventions": Lazy(
        "scls.cli.interventions:interventions",
        "Intervention cases: list, decide an outcome, approve or send back.",
    ),
    "cohort": Lazy(
        "scls.cli.cohort:cohort",
        "Cohorts: validate and start from a file, list, status, conference attendance.",
    ),
    "participant": Lazy(
        "scls.cli.participant:participant",
        "One participant: show, timeline, concern, timesheet, change-programme.",
    ),
    "programme": Lazy(
        "scls.cli.programme:programme", "The programme's versions: preview a change."
    ),
    "sessions": Lazy(
        "scls.cli.sessions:sessions", "Coaching and mentoring sessions: record, list."
    ),
    "report": Lazy("scls.cli.report:report", "Reports: the scheme's success measures."),
    "evidence": Lazy(
        "scls.cli.work:evidence", "Evidence for Care Certificate standards: add, submit, list."
    ),
    "reports": Lazy("scls.cli.work:reports", "Outplacement reports: submit."),
    "reviews": Lazy("scls.cli.work:reviews", "Progress reviews: show, draft, sign, send-back."),
    "keys": Lazy("scls.cli.keys:keys", "The keys that encrypt Temporal payloads."),
    "schedules": Lazy("scls.cli.schedules:schedules", "The engine's Temporal Schedules."),
    "cqc": Lazy("scls.cli.cqc:cqc", "CQC ratings of care locations."),
    "alumni": Lazy("scls.cli.alumni:alumni", "The record of alumni after the programme."),
    "person": Lazy("scls.cli.person:person", "Data protection: what is held about a person."),
}


class SclsCommands(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    name="scls",
    cls=SclsCommands,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals can hold personal data and secrets
    add_completion=False,
)


@app.callback()
def scls() -> None:
    """The Social Care Leaders Scheme engine."""


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
