"""`scls participant ...`: one participant, as ops staff look them up: where they stand
(`show`) and everything that happened to them (`timeline`), from Postgres, so both
answer without a worker; and what people report about them (`concern`, `timesheet`),
sent to their workflow as Updates. Exit codes as everywhere: 0 done, 1 refused by the
scheme's rules, 2 unknown participant or an unreachable server.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from domain.intervention.outcomes import ConcernKind, Severity
from scls.cli.common import named, settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.programme import previews, print_previews, running_participants
from scls.cli.tasks import (
    TimeoutOption,
    migrated_database,
    print_fan_out,
    run_update,
    state_and_names,
)
from scls.participant_updates import UPDATE_TIMEOUT, FanOut, update_each
from scls.settings import Settings

if TYPE_CHECKING:
    from contracts.event_log import StoredEvent

participant = typer.Typer(
    no_args_is_help=True,
)

stdout = console()

ParticipantArgument = Annotated[str, typer.Argument(metavar="PID", help="The participant's id.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON, for scripts.")]


@participant.command("show")
@expected_errors
def show_command(participant_id: ParticipantArgument, as_json: JsonOption = False) -> None:
    """Where a participant stands: status, phase, RAG and its history, interventions, open
    tasks."""
    state, names = asyncio.run(state_and_names(settings_and_logging(), participant_id))
    now = datetime.now(UTC)
    summary = state.summary()
    if as_json:
        shown = summary.model_dump(mode="json")
        shown.update(
            name=names.get(participant_id),
            home_id=state.home_id,
            programme_version=state.programme_version,
            programme_changes=[c.model_dump(mode="json") for c in state.programme_changes],
            support=state.support.model_dump(mode="json") if state.support else None,
            interventions=[case.model_dump(mode="json") for case in state.interventions.values()],
            withdrawal=state.withdrawal.model_dump(mode="json") if state.withdrawal else None,
            overdue=[t.task_id for t in state.open_tasks if t.is_overdue(now)],
        )
        typer.echo(json.dumps(shown, indent=2))
        return

    def who(person: str) -> str:
        return named(person, names)

    lines = [
        f"[bold]{escape(who(participant_id))}[/bold]",
        f"cohort       {escape(summary.cohort_id or '-')}, home {escape(state.home_id or '-')}",
        f"programme    {state.programme_version or '-'}"
        + "".join(
            f" (moved from {c.from_version} on {c.changed_at:%Y-%m-%d})"
            for c in state.programme_changes[-1:]
        ),
        f"status       {summary.status.value if summary.status else 'not enrolled'}",
        f"phase        {summary.phase_title or '-'}"
        + (f" since {when(summary.phase_started_at)} UTC" if summary.phase_started_at else ""),
        f"RAG          {summary.rag.value}"
        + (f": {escape(summary.rag_reason)}" if summary.rag_reason else ""),
    ]
    for change in state.rag_history:
        lines.append(
            f"             {when(change.changed_at)} {change.status.value}: {escape(change.reason)}"
        )
    if summary.sign_offs_needed:
        lines.append(f"to sign off  {', '.join(summary.sign_offs_needed)}")
    if state.support is not None:
        support = state.support
        lines.append(
            "support      "
            + escape(
                f"RM {who(support.registered_manager)}, mentor {who(support.employer_mentor)}, "
                f"Development Lead {who(support.development_lead)}, coach {who(support.coach)}, "
                f"assessor {who(support.assessor)}"
            )
        )
    if summary.suspended:
        lines.append(
            "[red]suspended[/red]    from unsupervised care until the intervention decides"
        )
    if summary.management_share is not None:
        lines.append(
            f"management   {summary.management_share:.0%} of recorded time "
            f"(target {state.management_target:.0%})"
        )
    if state.withdrawal is not None:
        lines.append(
            f"withdrawn    {when(state.withdrawal.withdrawn_at)} UTC, to "
            f"{state.withdrawal.destination.value}: {escape(state.withdrawal.reason)}"
        )
    for case in sorted(state.interventions.values(), key=lambda c: c.number):
        outcome = (
            f"closed {when(case.closed_at)}: {case.outcome.kind}"
            if case.closed_at and case.outcome
            else "open"
        )
        lines.append(
            f"intervention #{case.number} {case.kind.value} ({case.severity.value}), opened "
            f"{when(case.opened_at)}, reviewed by {escape(who(case.assignee))}: {outcome}"
        )
    if not state.interventions:
        lines.append("interventions none")
    stdout.print("\n".join(lines))
    if summary.open_tasks:
        table = Table("due (UTC)", "", "task", "title", "assignee", title="open tasks")
        for task in summary.open_tasks:
            table.add_row(
                when(task.due_at),
                "[red]OVERDUE[/red]" if task.is_overdue(now) else "",
                escape(task.task_id),
                escape(task.title),
                escape(who(task.assignee)),
            )
        stdout.print(table)
    else:
        stdout.print("no open tasks")


@participant.command("timeline")
@expected_errors
def timeline_command(participant_id: ParticipantArgument, as_json: JsonOption = False) -> None:
    """Every event of a participant, oldest first: when (UTC), who, and what."""
    from domain.participant.event_summary import summarise
    from domain.participant.events import parse_participant_event

    events = asyncio.run(_events(settings_and_logging(), participant_id))
    lines: list[dict[str, Any]] = []
    for stored in events:
        event = parse_participant_event(stored.data)
        lines.append(
            {
                "version": stored.version,
                "at": event.at,
                "recorded_at": stored.recorded_at,
                "actor": stored.metadata.actor,
                "type": stored.type,
                "summary": summarise(event),
            }
        )
    if as_json:
        typer.echo(json.dumps(lines, indent=2, default=datetime.isoformat))
        return
    # One line an event, so a timeline can be searched with grep.
    width = max(len(line["actor"]) for line in lines)
    for line in lines:
        stdout.print(
            escape(f"{when(line['at'])}  {line['actor']:<{width}}  {line['summary']}"),
            overflow="ignore",
            crop=False,
        )


async def _events(settings: Settings, participant_id: str) -> list[StoredEvent]:
    from domain.ids import participant_workflow_id
    from store.events import read_stream

    async with migrated_database(settings) as pool:
        events = await read_stream(pool, participant_workflow_id(participant_id))
    if not events:
        fail(f"no participant {participant_id} is on record")
    return events


# --- acting: concerns and time sheets, Updates on the participant's workflow ----------------


@participant.command("concern")
@expected_errors
def concern_command(
    participant_id: Annotated[str, typer.Argument(help="The participant's id.")],
    by: Annotated[str, typer.Option(help="Who reports it (a person id).")],
    reason: Annotated[str, typer.Option(help="What happened, for the case file.")],
    safeguarding: Annotated[
        bool, typer.Option("--safeguarding", help="A safeguarding concern: suspends at once.")
    ] = False,
    breakdown: Annotated[
        bool, typer.Option("--breakdown", help="The placement has broken down.")
    ] = False,
    severity: Annotated[Severity, typer.Option(help="low, medium or high.")] = Severity.MEDIUM,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Report a concern about a participant's placement. It opens an intervention for
    their Development Lead (or joins the one open)."""
    from domain.participant.commands import RaiseConcern
    from workflows.participant import ParticipantWorkflow

    if safeguarding and breakdown:
        fail("a concern is either --safeguarding or --breakdown, not both")
    kind = ConcernKind.PLACEMENT_CONCERN
    if safeguarding:
        kind = ConcernKind.SAFEGUARDING
    elif breakdown:
        kind = ConcernKind.PLACEMENT_BREAKDOWN
    command = RaiseConcern(by=by, kind=kind, severity=severity, reason=reason)
    state = run_update(participant_id, ParticipantWorkflow.raise_concern, command, timeout)
    case = state.open_case
    assert case is not None  # a concern accepted always leaves a case open
    line = (
        f"{participant_id}: intervention {case.number} open ({case.kind.value.replace('_', ' ')})"
    )
    if state.suspended:
        line += ", suspended from unsupervised care"
    stdout.print(escape(line))


@participant.command("timesheet")
@expected_errors
def timesheet_command(
    participant_id: Annotated[str, typer.Argument(help="The participant's id.")],
    week: Annotated[str, typer.Option(help="The week's first day, e.g. 2028-01-24.")],
    care_hours: Annotated[float, typer.Option(min=0, help="Hours in front-line care.")],
    management_hours: Annotated[
        float, typer.Option(min=0, help="Hours in management and learning.")
    ],
    by: Annotated[str, typer.Option(help="Who records it: the participant or a manager.")],
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Record one week's hours. A manager's record is verified; the participant's own is
    submitted, and a manager's record of the same week replaces it."""
    from domain.participant.commands import SubmitTimesheet
    from workflows.participant import ParticipantWorkflow

    try:
        week_start = date.fromisoformat(week)
    except ValueError:
        fail(f"--week {week!r} is not a date (2028-01-24)")
    command = SubmitTimesheet(
        by=by, week_start=week_start, care_hours=care_hours, management_hours=management_hours
    )
    state = run_update(participant_id, ParticipantWorkflow.submit_timesheet, command, timeout)
    sheet = state.timesheets[week_start.isoformat()]
    share = state.management_share
    line = f"{participant_id}: week of {week_start} {'verified' if sheet.verified else 'submitted'}"
    if share is not None:
        line += f"; management time {share:.0%} against {state.management_target:.0%}"
    stdout.print(escape(f"{line}; RAG {state.rag.value}"))


@participant.command("change-programme")
@expected_errors
def change_programme_command(
    to_version: Annotated[str, typer.Option("--to", help="The programme version, e.g. 2025.1.")],
    by: Annotated[str, typer.Option(help="Who decides it: the participants' ops lead.")],
    reason: Annotated[str, typer.Option(help="Why, for the record.")],
    participant_ids: Annotated[
        list[str] | None, typer.Argument(metavar="PID", help="The participants' ids.")
    ] = None,
    cohort_id: Annotated[
        str | None,
        typer.Option("--cohort", help="Every participant of this cohort still on the programme."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Act without asking, after printing the preview.")
    ] = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Move running participants onto another programme version for the phases still ahead
    (docs/versioning.md). Prints what it would change for each (`scls programme preview`)
    and asks first. Refused for anyone in a phase the change would alter: run it again when
    that phase is over."""
    from domain.participant.commands import ChangeProgramme

    if not reason.strip():
        fail("--reason must say why, for the record")
    if not participant_ids and cohort_id is None:
        fail("name the participants, or a cohort with --cohort")
    command = ChangeProgramme(to_version=to_version, by=by, reason=reason)
    settings = settings_and_logging()
    chosen = asyncio.run(_participants(settings, participant_ids or [], cohort_id))
    print_previews(asyncio.run(previews(settings, chosen, to_version)))
    if not yes and not typer.confirm(f"Move them to programme {to_version}?"):
        fail("nothing changed")
    result = asyncio.run(_change_each(settings, chosen, command, timeout))
    print_fan_out(result, f"moved to programme {to_version}")


async def _participants(
    settings: Settings, named_ids: list[str], cohort_id: str | None
) -> list[str]:
    chosen = dict.fromkeys(named_ids)
    if cohort_id is not None:
        chosen.update(dict.fromkeys(await running_participants(settings, cohort_id)))
    return list(chosen)


async def _change_each(
    settings: Settings, participant_ids: list[str], command: Any, wait: float
) -> FanOut:
    from scls.temporal import connect
    from workflows.participant import ParticipantWorkflow

    client = await connect(settings)
    change = ParticipantWorkflow.change_programme
    return await update_each(client, participant_ids, change, command, wait)
