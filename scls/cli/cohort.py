"""`scls cohort ...`: ops staff's cohort intake and overview.

`validate` checks a cohort file (CSV or YAML, see domain/cohort/intake.py) and prints every
problem with its row and field. `start` checks it the same way, adds its employers,
homes and people to the directory (all or nothing), then starts the cohort's workflow,
which starts each participant's; starting a cohort that already runs starts nothing.
`list` and `status` read Postgres's read models, so they answer without a worker.
`attendance` records who came to a conference, as the cohort workflow's
`record_attendance` Update (only the cohort's ops lead may).

Exit codes: 0 done, 1 the file (or the cohort on record) breaks the scheme's rules,
2 a usage or configuration problem (unreadable file, unknown cohort, unreachable server).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from domain.cohort.intake import (
    CohortIntake,
    InvalidCohortFile,
    check_in_no_other_cohort,
    check_no_newcomers,
)
from domain.cohort.intake_file import FileFormat, decode_cohort_file, read_cohort_file
from domain.errors import InvalidCohort
from domain.instants import last_day
from scls.cli.common import settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import (
    EXIT_REFUSED,
    TimeoutOption,
    migrated_database,
    refused,
    run_updating,
)
from scls.participant_updates import UPDATE_TIMEOUT
from scls.settings import Settings

if TYPE_CHECKING:
    from temporalio.client import WorkflowExecutionDescription

    from domain.cohort.decide import CohortDefinition
    from domain.cohort.report import CohortStatus
    from scls.failing_workflows import FailingWorkflow
    from store.cohorts import CohortListing

cohort = typer.Typer(
    no_args_is_help=True,
)

stdout = console()
stderr = console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="JSON, for scripts.")]

_FORMATS: dict[str, FileFormat] = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}


def current_date() -> date:
    return datetime.now(UTC).date()


def checked_file(path: Path, as_json: bool, today: date | None = None) -> CohortIntake:
    """The cohort in `path`; every problem printed and exit 1 otherwise. `today`: the day
    before which a start date is in the past (default: today's date)."""
    file_format = _FORMATS.get(path.suffix.lower())
    if file_format is None:
        fail(f"{path}: a cohort file is .csv, .yaml or .yml")
    try:
        data = path.read_bytes()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    try:
        return read_cohort_file(
            decode_cohort_file(data), file_format, today=today or current_date()
        )
    except InvalidCohortFile as invalid:
        if as_json:
            problems = [p.model_dump() for p in invalid.problems]
            typer.echo(json.dumps({"file": str(path), "valid": False, "problems": problems}))
        else:
            count = len(invalid.problems)
            stderr.print(
                escape(f"{path}: {count} problem{'' if count == 1 else 's'}; nothing started:")
            )
            for problem in invalid.problems:
                stderr.print(escape(f"  {problem}"))
        raise typer.Exit(EXIT_REFUSED) from None


def _described(intake: CohortIntake) -> str:
    definition = intake.definition
    homes = {p.home_id for p in definition.participants}
    return (
        f"cohort {definition.cohort_id} ({definition.hub}, starts "
        f"{definition.start_date:%Y-%m-%d}, programme {definition.programme_version}): "
        f"{len(definition.participants)} participants in {len(homes)} homes of "
        f"{len(intake.directory.providers)} employers"
    )


@cohort.command("validate")
@expected_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="The cohort file: .csv or .yaml.")],
    as_json: JsonOption = False,
) -> None:
    """Check a cohort file and print every problem, with its row and field."""
    intake = checked_file(file, as_json)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "file": str(file),
                    "valid": True,
                    "cohort_id": intake.definition.cohort_id,
                    "participants": len(intake.definition.participants),
                }
            )
        )
        return
    stdout.print(escape(f"{file}: {_described(intake)}; valid"))


# --- start ---------------------------------------------------------------------------------


@cohort.command("start")
@expected_errors
def start_command(
    file: Annotated[Path, typer.Argument(help="The cohort file: .csv or .yaml.")],
    wait: Annotated[
        bool, typer.Option(help="Wait until every participant is enrolled on record.")
    ] = True,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for enrolment.")] = 300,
    as_json: JsonOption = False,
) -> None:
    """Validate FILE, add its people to the directory, and start the cohort (once)."""
    intake = checked_file(file, as_json)
    settings = settings_and_logging()
    outcome = asyncio.run(_start(settings, intake, wait=wait, wait_seconds=timeout, quiet=as_json))
    if as_json:
        typer.echo(json.dumps(outcome))
    else:
        stdout.print(escape(outcome["message"]))
    if outcome["refused"]:
        raise typer.Exit(EXIT_REFUSED)


async def _start(
    settings: Settings, intake: CohortIntake, *, wait: bool, wait_seconds: float, quiet: bool
) -> dict[str, Any]:
    from temporalio.service import RPCError, RPCStatusCode

    from domain.ids import cohort_workflow_id
    from scls.temporal import connect
    from store.cohorts import cohorts_of
    from store.directory import DirectoryConflict, load_directory

    definition = intake.definition
    cohort_id = definition.cohort_id
    ids = [p.participant_id for p in definition.participants]
    client = await connect(settings)
    handle = client.get_workflow_handle(cohort_workflow_id(cohort_id))
    async with migrated_database(settings) as pool:
        try:
            described = await handle.describe()
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                fail(f"Temporal refused the request: {error.message}")
            described = None
        if described is not None:
            return await _already_started(pool, described, definition, wait, wait_seconds)
        try:
            check_in_no_other_cohort(definition, await cohorts_of(pool, ids))
        except InvalidCohort as refusal:
            refused(f"{refusal}; nothing started")
        try:
            await load_directory(pool, intake.directory, keep_other_roles=True)
        except DirectoryConflict as conflict:
            refused(f"{conflict}; nothing started")
        await _start_workflow(client, settings, intake)
        outcome = await _enrolment(pool, cohort_id, len(ids), wait, wait_seconds, quiet)
    message = f"started cohort {cohort_id}: {len(ids)} participants"
    message += f", {outcome['enrolled']} enrolled" if wait else " (not waiting for enrolment)"
    return outcome | {"started": True, "refused": False, "message": message}


async def _already_started(
    pool: Any,
    described: WorkflowExecutionDescription,
    definition: CohortDefinition,
    wait: bool,
    wait_seconds: float,
) -> dict[str, Any]:
    """What a second start reports: the cohort as it runs (or ran); nothing is started. A
    file naming participants the running cohort does not have is refused."""
    from temporalio.client import WorkflowExecutionStatus

    from store.cohorts import cohort_state

    cohort_id, expected = definition.cohort_id, len(definition.participants)
    running = described.status == WorkflowExecutionStatus.RUNNING
    outcome = await _enrolment(pool, cohort_id, expected, wait and running, wait_seconds, True)
    status = described.status.name.lower() if described.status else "unknown"
    message = (
        f"cohort {cohort_id} already {'runs' if running else 'ran (now ' + status + ')'}, "
        f"started {when(described.start_time)} UTC: {outcome['enrolled']} of {expected} "
        "participants enrolled; nothing started"
    )
    try:
        check_no_newcomers(definition, await cohort_state(pool, cohort_id))
    except InvalidCohort as refusal:
        return outcome | {"started": False, "refused": True, "message": f"{message}; {refusal}"}
    return outcome | {"started": False, "refused": False, "message": message}


async def _start_workflow(client: Any, settings: Settings, intake: CohortIntake) -> None:
    from temporalio.common import WorkflowIDReusePolicy
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from domain.ids import cohort_workflow_id
    from workflows.cohort import CohortRun, CohortWorkflow

    try:
        await client.start_workflow(
            CohortWorkflow.run,
            CohortRun(definition=intake.definition),
            id=cohort_workflow_id(intake.definition.cohort_id),
            task_queue=settings.temporal_task_queue,
            # A cohort runs once: a finished one is never started again from its file.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        # Another `start` of the same file got there first: it runs, once.
        pass


async def _enrolment(
    pool: Any, cohort_id: str, expected: int, wait: bool, wait_seconds: float, quiet: bool
) -> dict[str, Any]:
    """How many participants are enrolled on record; with `wait`, once all are, with a
    progress bar on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from store.cohorts import enrolled_count

    enrolled = await enrolled_count(pool, cohort_id)
    result = {"cohort_id": cohort_id, "participants": expected, "enrolled": enrolled}
    if not wait or enrolled >= expected:
        return result
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=quiet or not stderr.is_terminal,
    ) as progress:
        bar = progress.add_task(f"enrolling {cohort_id}", total=expected, completed=enrolled)
        while enrolled < expected:
            if loop.time() > deadline:
                fail(
                    f"cohort {cohort_id} is started, but only {enrolled} of {expected} "
                    f"participants were enrolled within {wait_seconds:g}s: is a worker (`scls "
                    "worker` or `scls dev`) running? `scls cohort start` again waits on"
                )
            await asyncio.sleep(0.2)
            enrolled = await enrolled_count(pool, cohort_id)
            progress.update(bar, completed=enrolled)
    return result | {"enrolled": enrolled}


# --- reading ---------------------------------------------------------------------------------


@cohort.command("list")
@expected_errors
def list_command(as_json: JsonOption = False) -> None:
    """Every cohort on record, the latest start first."""
    found = asyncio.run(_read(settings_and_logging(), lambda pool: _cohorts(pool)))
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
        return
    if not found:
        stdout.print("no cohorts on record")
        return
    table = Table(
        "cohort", "hub", "starts", "programme", "participants", "active", "completed",
        "withdrawn", "at risk",
    )  # fmt: skip
    for listing in found:
        table.add_row(
            escape(listing.cohort_id),
            escape(listing.hub or ""),
            f"{listing.start_date:%Y-%m-%d}" if listing.start_date else "",
            listing.programme_version or "",
            str(listing.participants),
            str(listing.active),
            str(listing.completed),
            str(listing.withdrawn),
            str(listing.at_risk),
        )
    stdout.print(table)


async def _cohorts(pool: Any) -> list[CohortListing]:
    from store.cohorts import cohorts

    return await cohorts(pool)


async def _read(settings: Settings, read: Callable[[Any], Any]) -> Any:
    async with migrated_database(settings) as pool:
        return await read(pool)


def unknown_cohort(cohort_id: str) -> NoReturn:
    fail(f"no cohort {cohort_id} is on record (`scls cohort list` shows those that are)")


@cohort.command("status")
@expected_errors
def status_command(
    cohort_id: Annotated[str, typer.Argument(metavar="COHORT", help="The cohort's id.")],
    as_json: JsonOption = False,
) -> None:
    """Where a cohort stands: participants per phase, RAG, overdue tasks, interventions,
    next conference, and any of its workflows stuck on a failing workflow task."""
    settings = settings_and_logging()
    status: CohortStatus = asyncio.run(_read(settings, lambda pool: _status(pool, cohort_id)))
    failing = asyncio.run(_failing_workflows(settings, cohort_id))
    if as_json:
        shown = status.model_dump(mode="json")
        shown["failing_workflows"] = None if failing is None else [f.workflow_id for f in failing]
        typer.echo(json.dumps(shown, indent=2))
        return
    lines = [
        f"[bold]cohort {escape(status.cohort_id)}[/bold]  {escape(status.hub or '')}"
        + (f", starts {status.start_date:%Y-%m-%d}" if status.start_date else "")
        + (f", programme {status.programme_version}" if status.programme_version else ""),
        f"participants  {status.participants}: "
        + ", ".join(f"{n} {s}" for s, n in status.per_status.items()),
        "phases        "
        + (", ".join(f"{n} {p.value}" for p, n in status.per_phase.items()) or "nobody"),
        "RAG           " + (", ".join(f"{n} {r.value}" for r, n in status.rag.items()) or "-"),
        f"tasks         {status.open_tasks} open, {len(status.overdue)} overdue",
        f"interventions {len(status.interventions)} open"
        + (f"; {status.suspended} suspended from unsupervised care" if status.suspended else ""),
    ]
    conference = status.next_conference
    lines.append(
        f"next conference  {conference.number}. {escape(conference.title)}, "
        f"{conference.starts_on:%Y-%m-%d} to {last_day(conference.ends_on):%Y-%m-%d}"
        if conference
        else "next conference  none scheduled"
    )
    if failing is None:
        lines.append("workflows     health unknown: Temporal did not answer (`scls health`)")
    elif failing:
        names = ", ".join(f.workflow_id for f in failing)
        lines.append(f"workflows     [red]{len(failing)} stuck on a failing task[/red]: {names}")
    else:
        lines.append("workflows     none stuck")
    stdout.print("\n".join(lines))
    if status.overdue:
        table = Table("due (UTC)", "task", "title", "assignee", title="overdue tasks")
        for overdue in status.overdue:
            table.add_row(
                when(overdue.task.due_at),
                escape(f"{overdue.participant_id}/{overdue.task.task_id}"),
                escape(overdue.task.title),
                escape(overdue.task.assignee),
            )
        stdout.print(table)
    if status.interventions:
        table = Table(
            "opened (UTC)", "case", "kind", "severity", "reviewed by", title="interventions"
        )
        for open_case in status.interventions:
            case = open_case.case
            table.add_row(
                when(case.opened_at),
                escape(f"{open_case.participant_id} #{case.number}"),
                case.kind.value,
                case.severity.value,
                escape(case.assignee),
            )
        stdout.print(table)


async def _failing_workflows(settings: Settings, cohort_id: str) -> list[FailingWorkflow] | None:
    """The cohort's running workflows whose workflow task keeps failing; None when
    Temporal cannot be asked (the rest of the status comes from Postgres and stands)."""
    from temporalio.service import RPCError

    from domain.ids import cohort_workflow_id
    from scls.failing_workflows import RUNNING, failing_workflows
    from scls.temporal import TemporalConnectionError, connect

    quoted = cohort_id.replace("\\", "").replace('"', "")
    workflow_id = cohort_workflow_id(quoted)
    query = f'(SclsCohortId="{quoted}" OR WorkflowId="{workflow_id}") AND {RUNNING}'
    try:
        client = await asyncio.wait_for(connect(settings), timeout=5)
        return await asyncio.wait_for(failing_workflows(client, query), timeout=15)
    except (TemporalConnectionError, RPCError, TimeoutError):
        return None


async def _status(pool: Any, cohort_id: str) -> CohortStatus:
    from domain.cohort.report import cohort_status
    from store.cohorts import cohort_state, participant_states

    state = await cohort_state(pool, cohort_id)
    participants = await participant_states(pool, cohort_id)
    if state is None and not participants:
        unknown_cohort(cohort_id)
    return cohort_status(cohort_id, state, participants, datetime.now(UTC))


# --- conferences -----------------------------------------------------------------------------


def _people(value: str | None) -> tuple[str, ...]:
    """Participant ids from "P1,P2", each once."""
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


@cohort.command("attendance")
@expected_errors
def attendance_command(
    cohort_id: Annotated[str, typer.Argument(metavar="COHORT", help="The cohort's id.")],
    conference: Annotated[int, typer.Option(help="The conference's number, 1 to 6.")],
    by: Annotated[str, typer.Option(help="Who records it: the cohort's ops lead.")],
    attended: Annotated[
        str | None, typer.Option(help="Who came: participant ids, comma-separated.")
    ] = None,
    absent: Annotated[
        str | None, typer.Option(help="Who did not: participant ids, comma-separated.")
    ] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Record who attended one of the cohort's conferences and who was absent. It adds to
    what is on record: someone named again is recorded as now said."""
    from scls.participant_updates import update_cohort
    from workflows.cohort import AttendanceRecord, CohortWorkflow

    record = AttendanceRecord(
        number=conference,
        attended=_people(attended),
        absent=_people(absent),
        recorded_by=by,
    )
    if not record.attended and not record.absent:
        fail("name who attended (--attended) or was absent (--absent)")
    summary = run_updating(
        lambda client: update_cohort(
            client, cohort_id, CohortWorkflow.record_attendance, record, timeout
        )
    )
    held = next(c for c in summary.conferences if c.number == conference)
    unrecorded = summary.participants - len(held.attended) - len(held.absent)
    stdout.print(
        escape(
            f"cohort {cohort_id}, conference {held.number} ({held.title}): "
            f"{len(held.attended)} attended, {len(held.absent)} absent, "
            f"{unrecorded} not recorded"
        )
    )
