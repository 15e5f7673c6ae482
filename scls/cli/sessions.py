"""`scls sessions ...`: coaching and mentoring sessions. `record` sends one to the
participant's workflow as the `record_session` Update, whose validator applies the rules
(only their own coach or mentor, a date held, a length, a theme); `list` reads Postgres.

The notes of a session are for the participant and the session's author alone, read in
the web console where each is signed in. The command line runs as ops tooling with no
sign-in, so it never prints them: `list` says whether a session has notes, not what they
say. `record --notes -` reads them from stdin, out of the shell's history.

Exit codes as everywhere: 0 done, 1 refused by the scheme's rules, 2 a usage or
configuration problem (unknown participant or cohort, unreachable server).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from domain.programme.support_sessions import SessionKind, SessionTheme
from scls.cli.cohort import unknown_cohort
from scls.cli.common import named, settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import TimeoutOption, migrated_database, run_update, state_and_names
from scls.participant_updates import UPDATE_TIMEOUT
from scls.settings import Settings

if TYPE_CHECKING:
    from domain.participant.state import ParticipantState
    from domain.participant.support_sessions import SessionCadenceStatus
    from store.session_cadence import CadenceRow

sessions = typer.Typer(no_args_is_help=True)

stdout = console()

JsonOption = Annotated[bool, typer.Option("--json", help="JSON, for scripts.")]


@sessions.command("record")
@expected_errors
def record_command(
    participant_id: Annotated[str, typer.Argument(metavar="PID", help="The participant's id.")],
    kind: Annotated[SessionKind, typer.Option(help="coaching or mentoring.")],
    minutes: Annotated[int, typer.Option(help="How long it lasted, in minutes.")],
    themes: Annotated[
        list[SessionTheme],
        typer.Option("--theme", help="What it covered; give --theme once for each."),
    ],
    by: Annotated[str, typer.Option(help="Who held it: their coach or employer mentor.")],
    held_on: Annotated[
        str | None, typer.Option("--on", help="The day it was held (default: today, UTC).")
    ] = None,
    notes: Annotated[
        str | None,
        typer.Option(help="Notes for the participant and you alone; - reads them from stdin."),
    ] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Record a coaching or mentoring session held with a participant."""
    from domain.participant.commands import RecordSession
    from workflows.participant import ParticipantWorkflow

    day = datetime.now(UTC).date()
    if held_on is not None:
        try:
            day = date.fromisoformat(held_on)
        except ValueError:
            fail(f"--on {held_on!r} is not a date (2028-01-24)")
    command = RecordSession(
        by=by,
        kind=kind,
        held_on=day,
        minutes=minutes,
        themes=tuple(themes),
        notes=sys.stdin.read() if notes == "-" else notes,
    )
    state = run_update(participant_id, ParticipantWorkflow.record_session, command, timeout)
    session = state.support_sessions[-1]
    line = (
        f"{participant_id}: {kind.value} session {session.number} on {session.held_on} "
        f"recorded ({session.minutes} min{', with notes' if session.has_notes else ''})"
    )
    status = _status_of(state, kind)
    if status is not None:
        line += f"; the next is due by {status.due_by:%Y-%m-%d} ({status.described})"
    stdout.print(escape(line))


def _status_of(state: ParticipantState, kind: SessionKind) -> SessionCadenceStatus | None:
    from domain.participant.support_sessions import session_cadence

    return next((s for s in session_cadence(state) if s.kind == kind), None)


@sessions.command("list")
@expected_errors
def list_command(
    participant_id: Annotated[
        str | None, typer.Argument(metavar="[PID]", help="One participant's sessions.")
    ] = None,
    cohort_id: Annotated[
        str | None, typer.Option("--cohort", help="Where each of a cohort's participants stands.")
    ] = None,
    missed: Annotated[
        bool, typer.Option("--missed", help="Only sessions missed: none for twice the cadence.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Sessions of one participant, or where every participant stands (--cohort, --missed).

    For one participant: each kind of session against its cadence, then every session
    (never the notes). Otherwise each participant's kinds of session from the read model,
    the longest missed first."""
    settings = settings_and_logging()
    if participant_id is not None:
        if cohort_id is not None or missed:
            fail("name a participant, or list with --cohort/--missed: not both")
        _list_participant(settings, participant_id, as_json)
        return
    rows = asyncio.run(_cadences(settings, cohort_id, missed))
    if as_json:
        shown = [asdict(row) for row in rows]
        typer.echo(json.dumps(shown, indent=2, default=lambda value: value.isoformat()))
        return
    if not rows:
        stdout.print("no session missed" if missed else "no sessions expected")
        return
    table = Table("participant", "cohort", "kind", "with", "held", "last", "due by", "")
    for row in rows:
        table.add_row(
            escape(named(row.participant_id, {row.participant_id: row.name})),
            escape(row.cohort_id or ""),
            row.kind,
            escape(named(row.held_by, {row.held_by: row.held_by_name})),
            str(row.sessions),
            f"{row.last_held_on}" if row.last_held_on else "never",
            f"{row.due_by:%Y-%m-%d}",
            "[red]MISSED[/red]" if row.missed else "",
        )
    stdout.print(table)


def _list_participant(settings: Settings, participant_id: str, as_json: bool) -> None:
    from domain.participant.support_sessions import session_cadence

    state, names = asyncio.run(state_and_names(settings, participant_id))
    now = datetime.now(UTC)
    cadence = session_cadence(state)
    if as_json:
        shown = {
            "participant_id": participant_id,
            "sessions": [s.model_dump(mode="json") for s in state.support_sessions],
            "cadence": [{**c.model_dump(mode="json"), "missed": c.is_missed(now)} for c in cadence],
        }
        typer.echo(json.dumps(shown, indent=2))
        return
    stdout.print(f"[bold]{escape(named(participant_id, names))}[/bold]")
    for status in cadence:
        last = f"last on {status.last_held_on}" if status.last_held_on else "none yet"
        missed = "  [red]MISSED[/red]" if status.is_missed(now) else ""
        stdout.print(
            f"{status.kind.value:<10} {status.described} with "
            f"{escape(named(status.held_by, names))}: {last}, next due by "
            f"{status.due_by:%Y-%m-%d}{missed}"
        )
    if not cadence:
        stdout.print("no sessions expected now (from the care placement on, while active)")
    if not state.support_sessions:
        stdout.print("no sessions recorded")
        return
    table = Table("no.", "kind", "held on", "min", "themes", "recorded by", "notes")
    for session in reversed(state.support_sessions):
        table.add_row(
            str(session.number),
            session.kind.value,
            f"{session.held_on}",
            str(session.minutes),
            ", ".join(theme.value for theme in session.themes),
            escape(named(session.recorded_by, names)),
            "yes" if session.has_notes else "",
        )
    stdout.print(table)


async def _cadences(settings: Settings, cohort_id: str | None, missed: bool) -> list[CadenceRow]:
    from store.cohorts import cohort_state, enrolled_count
    from store.session_cadence import session_cadences

    async with migrated_database(settings) as pool:
        if cohort_id is not None and (
            await cohort_state(pool, cohort_id) is None
            and not await enrolled_count(pool, cohort_id)
        ):
            unknown_cohort(cohort_id)
        return await session_cadences(pool, cohort_id=cohort_id, missed_only=missed)
