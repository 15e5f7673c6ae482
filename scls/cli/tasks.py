"""`scls tasks ...`: the managers' side of the scheme. List and show open tasks from the
inbox read model; decide, reassign and delegate through the participant's workflow, whose
validators apply the scheme's rules and refuse what they do not allow.

Task ids are per participant ("care_certificate.3"), so a task is named `PID/TASK`.
Exit codes: 0 done, 1 refused by the scheme's rules (the reason is printed), 2 a usage
or configuration problem (unknown participant or task, unreachable server).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import asyncpg
import typer
from rich.markup import escape
from rich.table import Table

from domain.ids import participant_workflow_id
from domain.programme.tasks import Outcome, TaskKind
from domain.roles import Role
from scls.cli.common import database, named, settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    FanOut,
    UpdateRefused,
    WorkflowUnreachable,
    update_each,
    update_participant,
)
from scls.settings import Settings

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.types import MethodSyncOrAsyncSingleParam
    from temporalio.workflow import UpdateMethodMultiParam

    from domain.participant.state import ParticipantState
    from store.inbox import InboxEntry
    from workflows.participant import ParticipantWorkflow

EXIT_REFUSED = 1

tasks = typer.Typer(no_args_is_help=True)

stdout = console()
stderr = console(stderr=True)

T = TypeVar("T")
A = TypeVar("A")  # an Update's argument


@asynccontextmanager
async def migrated_database(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """`database(settings)`, where a missing read-model table means migrations are pending."""
    async with database(settings) as pool:
        try:
            yield pool
        except asyncpg.UndefinedTableError as error:
            fail(f"{error}: the database's schema is behind; run `scls db migrate`")


def refused(message: str) -> NoReturn:
    stderr.print(f"[red]refused:[/red] {escape(message)}")
    raise typer.Exit(EXIT_REFUSED)


def split_task(reference: str, participant: str | None = None) -> tuple[str, str]:
    """`PID/TASK`, or `TASK` with --participant PID."""
    if "/" in reference:
        pid, _, task_id = reference.rpartition("/")
        if participant is not None and participant != pid:
            fail(f"{reference} names participant {pid}, but --participant says {participant}")
    else:
        pid, task_id = participant or "", reference
    if not pid or not task_id:
        fail(f"name the task as PARTICIPANT/TASK (e.g. P-1/care_certificate.3), not {reference!r}")
    return pid, task_id


def parse_instant(text: str, option: str) -> datetime:
    """A date (its start, UTC) or an ISO date and time (UTC unless it says otherwise)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        instant = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (2027-10-04) or date and time (2027-10-04T09:00)")
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


# --- reading: the inbox read model -------------------------------------------------------


@tasks.command("list")
@expected_errors
def list_command(
    assignee: Annotated[
        str | None, typer.Option(help="A person's inbox: theirs and those delegated to them.")
    ] = None,
    role: Annotated[Role | None, typer.Option(help="Tasks for this role.")] = None,
    cohort: Annotated[str | None, typer.Option(help="Tasks of this cohort's participants.")] = None,
    kind: Annotated[TaskKind | None, typer.Option(help="Tasks of this kind.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    sort: Annotated[str, typer.Option(help="due, escalation, opened or participant.")] = "due",
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """Open tasks, the soonest due first."""
    if sort not in ("due", "escalation", "opened", "participant"):
        fail(f"--sort {sort!r}: one of due, escalation, opened, participant")
    filters: dict[str, Any] = {
        "assignee": assignee,
        "role": role,
        "cohort": cohort,
        "kind": kind,
        "overdue": True if overdue else None,
        "sort": sort,
        "limit": limit,
    }
    entries = asyncio.run(_open_tasks(settings_and_logging(), filters))
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    if not entries:
        stdout.print("no open tasks")
        return
    stdout.print(_inbox_table(entries))


async def _open_tasks(settings: Settings, filters: dict[str, Any]) -> list[InboxEntry]:
    from store.inbox import open_tasks

    async with migrated_database(settings) as pool:
        return await open_tasks(pool, **filters)


def _inbox_table(entries: list[InboxEntry]) -> Table:
    table = Table("due (UTC)", "", "kind", "task", "title", "participant", "assignee", "esc.")
    for entry in entries:
        assignee = entry.assignee_name
        if entry.delegate_name is not None:
            assignee += f" → {entry.delegate_name}"
        table.add_row(
            when(entry.due_at),
            "[red]OVERDUE[/red]" if entry.overdue else "",
            entry.kind.value,
            escape(f"{entry.participant_id}/{entry.task_id}"),
            escape(entry.title),
            escape(entry.participant_name),
            escape(assignee),
            str(entry.escalation_level) if entry.escalation_level else "",
        )
    return table


@tasks.command("show")
@expected_errors
def show_command(
    task: Annotated[str, typer.Argument(help="TASK with --participant, or PID/TASK.")],
    participant: Annotated[str | None, typer.Option(help="The participant's id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """One task of one participant, open or decided."""
    pid, task_id = split_task(task, participant)
    state, names = asyncio.run(state_and_names(settings_and_logging(), pid))
    found = state.tasks.get(task_id)
    if found is None:
        known = ", ".join(sorted(state.tasks)) or "none"
        fail(f"participant {pid} has no task {task_id} (their tasks: {known})")
    now = datetime.now(UTC)
    delegate = state.delegate_of(found.assignee, now) if found.is_open else None
    if as_json:
        shown = found.model_dump(mode="json")
        shown.update(participant_id=pid, overdue=found.is_overdue(now), delegate=delegate)
        typer.echo(json.dumps(shown, indent=2))
        return

    def who(person: str) -> str:
        return named(person, names)

    lines = [
        f"[bold]{escape(found.title)}[/bold]  {escape(pid)}/{escape(task_id)}",
        f"participant  {escape(who(pid))}",
        f"kind         {found.kind.value}"
        + (f"  (phase {found.phase.value})" if found.phase else ""),
        f"status       {found.status.value}",
        f"assignee     {escape(who(found.assignee))}, as {found.role.value}",
        f"opened       {when(found.opened_at)} UTC",
        f"due          {when(found.due_at)} UTC"
        + ("  [red]OVERDUE[/red]" if found.is_overdue(now) else ""),
    ]
    if delegate is not None:
        lines.append(f"delegate     {escape(who(delegate))} may decide now")
    if found.is_open:
        lines.append(
            f"chased       {found.reminders_sent} reminders, {found.escalation_level} escalations"
        )
    if found.decision is not None:
        decision = found.decision
        by = who(decision.decided_by)
        if decision.on_behalf_of:
            by += f" for {who(decision.on_behalf_of)}"
        lines.append(
            f"decision     {decision.outcome.in_words} by {escape(by)} "
            f"on {when(decision.decided_at)} UTC"
        )
        if decision.comment:
            lines.append(f"comment      {escape(decision.comment)}")
    stdout.print("\n".join(lines))


async def state_and_names(
    settings: Settings, participant_id: str
) -> tuple[ParticipantState, dict[str, str]]:
    """A participant from the progress read model, and the display names of everyone their
    record names; an unknown participant exits 2."""
    from store.directory import display_names
    from store.participant_progress import PARTICIPANT_PROGRESS

    async with migrated_database(settings) as pool:
        state = await PARTICIPANT_PROGRESS.load(pool, participant_id)
        if state is None:
            fail(f"no participant {participant_id} is on record")
        return state, await display_names(pool, state.people_on_record())


# --- acting: Updates on the participant's workflow -----------------------------------------


async def with_client(settings: Settings, act: Callable[[Client], Awaitable[T]]) -> T:
    from scls.temporal import connect

    return await act(await connect(settings))


def run_updating(act: Callable[[Client], Awaitable[T]]) -> T:
    """Run an Update with a client: a refusal exits 1 with its reason, an unreachable
    workflow exits 2."""
    settings = settings_and_logging()
    try:
        return asyncio.run(with_client(settings, act))
    except UpdateRefused as refusal:
        refused(str(refusal))
    except WorkflowUnreachable as problem:
        fail(escape(str(problem)))


def run_update(
    participant_id: str,
    update: UpdateMethodMultiParam[[ParticipantWorkflow, A], ParticipantState],
    argument: A,
    wait_seconds: float,
) -> ParticipantState:
    """The Update `update` on the participant's workflow; their state after it."""
    return run_updating(
        lambda client: update_participant(client, participant_id, update, argument, wait_seconds)
    )


TimeoutOption = Annotated[
    float, typer.Option(min=1, help="Seconds to wait for the workflow to answer.")
]
NoWaitOption = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="Send it as a Signal and return at once (for scripts): the workflow records "
        "it, or records why it was refused, on the participant's timeline.",
    ),
]


def run_signalling(
    workflow_id: str, signal: MethodSyncOrAsyncSingleParam[Any, A, None], argument: A
) -> None:
    """Send a Signal with a client; an unreachable workflow exits 2."""
    from scls.participant_updates import signal_workflow

    settings = settings_and_logging()
    try:
        asyncio.run(
            with_client(
                settings, lambda client: signal_workflow(client, workflow_id, signal, argument)
            )
        )
    except WorkflowUnreachable as problem:
        fail(escape(str(problem)))


@tasks.command("decide")
@expected_errors
def decide_command(
    task: Annotated[str, typer.Argument(help="PID/TASK, e.g. P-1/care_certificate.3.")],
    decided_by: Annotated[str, typer.Option("--as", help="Who decides (a person id).")],
    outcome: Annotated[Outcome, typer.Option(help="The answer.")],
    comment: Annotated[str | None, typer.Option(help="Why; needed to reject or send back.")] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
    no_wait: NoWaitOption = False,
) -> None:
    """Answer a task. The scheme's rules check the answer before it is recorded."""
    from workflows.participant import ParticipantWorkflow, TaskDecision

    pid, task_id = split_task(task)
    decision = TaskDecision(
        task_id=task_id, decided_by=decided_by, outcome=outcome, comment=comment
    )
    if no_wait:
        run_signalling(participant_workflow_id(pid), ParticipantWorkflow.decide_by_signal, decision)
        stdout.print(escape(f"{pid}/{task_id}: sent; `scls participant timeline {pid}` shows it"))
        return
    state = run_update(pid, ParticipantWorkflow.decide, decision, timeout)
    decided = state.tasks[task_id]
    line = f"{pid}/{task_id}: {decided.status.value}"
    if decided.decision is not None and decided.decision.on_behalf_of:
        line += f" (by {decided.decision.decided_by} for {decided.decision.on_behalf_of})"
    stdout.print(escape(line))
    again = [t for t in state.open_tasks if t.key == decided.key and t.task_id != task_id]
    for attempt in again:
        stdout.print(
            escape(f"asked again as {pid}/{attempt.task_id}, due {when(attempt.due_at)} UTC")
        )


@tasks.command("reassign")
@expected_errors
def reassign_command(
    task: Annotated[str, typer.Argument(help="PID/TASK, e.g. P-1/care_certificate.3.")],
    to_person: Annotated[str, typer.Option("--to", help="The new assignee (a person id).")],
    by: Annotated[str, typer.Option(help="Who reassigns it (a person id).")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Give an open task to someone else (its assignee, ops or an escalation's recipient may)."""
    from domain.participant.commands import ReassignTask
    from workflows.participant import ParticipantWorkflow

    pid, task_id = split_task(task)
    command = ReassignTask(task_id=task_id, to_person=to_person, by=by, reason=reason)
    state = run_update(pid, ParticipantWorkflow.reassign, command, timeout)
    stdout.print(escape(f"{pid}/{task_id}: now assigned to {state.tasks[task_id].assignee}"))


@tasks.command("delegate")
@expected_errors
def delegate_command(
    from_person: Annotated[str, typer.Option("--from", help="Who is away (a person id).")],
    to_person: Annotated[str, typer.Option("--to", help="Who decides for them.")],
    until: Annotated[
        str, typer.Option(help="When it ends: the day they are back (its start, UTC), or a time.")
    ],
    from_date: Annotated[
        str | None, typer.Option("--from-date", help="When it starts (default: now).")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who grants it: the person away (default) or ops.")
    ] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Hand FROM's tasks to TO for a while: on every participant with a task open for FROM,
    and every active participant FROM supports (tasks opened while they are away follow)."""
    from domain.errors import InvalidDelegation
    from domain.participant.approvals import check_delegation_window
    from domain.participant.commands import Delegate

    starts_at = parse_instant(from_date, "--from-date") if from_date else datetime.now(UTC)
    ends_at = parse_instant(until, "--until")
    try:
        check_delegation_window(starts_at, ends_at)
    except InvalidDelegation as backwards:
        fail(escape(f"--until: {backwards}"))
    command = Delegate(
        from_person=from_person,
        to_person=to_person,
        starts_at=starts_at,
        until=ends_at,
        by=by or from_person,
    )
    settings = settings_and_logging()
    result = asyncio.run(_delegate_everywhere(settings, command, timeout))
    if not result.asked:
        stdout.print(
            escape(
                f"{from_person} has no open tasks and supports no active participant: "
                "nothing to delegate"
            )
        )
        return
    print_fan_out(
        result,
        f"delegated {from_person}'s tasks to {to_person} from {when(starts_at)} UTC "
        f"until {when(ends_at)} UTC",
    )


def print_fan_out(result: FanOut, done: str) -> None:
    """Each refusal and unreachable workflow on stderr, then "<done> on N of M
    participants"; exit 1 if any was refused, 2 if any could not be asked."""
    for pid, message in result.refused:
        stderr.print(f"[red]refused[/red] for {escape(pid)}: {escape(message)}")
    for pid, message in result.unreachable:
        stderr.print(f"[red]error[/red] for {escape(pid)}: {escape(message)}")
    stdout.print(escape(f"{done} on {len(result.done)} of {result.asked} participants"))
    if result.unreachable:
        raise typer.Exit(2)
    if result.refused:
        raise typer.Exit(EXIT_REFUSED)


async def _delegate_everywhere(settings: Settings, command: Any, wait_seconds: float) -> FanOut:
    from scls.temporal import connect
    from store.inbox import participants_to_delegate_for
    from workflows.participant import ParticipantWorkflow

    async with migrated_database(settings) as pool:
        participants = await participants_to_delegate_for(pool, command.from_person)
    if not participants:
        return FanOut()
    client = await connect(settings)
    delegate = ParticipantWorkflow.delegate
    return await update_each(client, participants, delegate, command, wait_seconds)
