"""`scls interventions ...`: the cases opened when a participant is in trouble. List them
from the case-file read model; the Development Lead decides an outcome and ops approve it
(or send it back) through the case's workflow, whose validators apply the scheme's rules.

A case is named `PID/N` (participant and case number). Exit codes as for `scls tasks`:
0 done, 1 refused by the scheme's rules, 2 a usage or configuration problem.
"""

from __future__ import annotations

import asyncio
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from domain.ids import intervention_workflow_id
from domain.intervention.outcomes import WithdrawalDestination
from scls.cli.common import settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.tasks import (
    NoWaitOption,
    TimeoutOption,
    migrated_database,
    run_signalling,
    run_updating,
    stdout,
)
from scls.participant_updates import UPDATE_TIMEOUT, update_case
from scls.settings import Settings

if TYPE_CHECKING:
    from temporalio.types import MethodSyncOrAsyncSingleParam
    from temporalio.workflow import UpdateMethodMultiParam

    from domain.intervention.case import CaseFile
    from workflows.intervention import InterventionWorkflow

A = TypeVar("A")  # an Update's argument

interventions = typer.Typer(
    no_args_is_help=True,
)


class OutcomeKind(StrEnum):
    CONTINUE = "continue"
    MOVE = "move"
    EXTEND = "extend"
    BREAK = "break"
    WITHDRAW = "withdraw"


def split_case(reference: str) -> tuple[str, int]:
    pid, _, number = reference.rpartition("/")
    if not pid or not number.isdigit():
        fail(f"name the case as PARTICIPANT/NUMBER (e.g. P-1/1), not {reference!r}")
    return pid, int(number)


@interventions.command("list")
@expected_errors
def list_command(
    open_only: Annotated[bool, typer.Option("--open", help="Only cases not yet closed.")] = False,
    cohort: Annotated[str | None, typer.Option(help="Cases of this cohort.")] = None,
    participant: Annotated[str | None, typer.Option(help="Cases of this participant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """Intervention cases, the oldest open first."""
    rows = asyncio.run(_cases(settings_and_logging(), open_only, cohort, participant))
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        stdout.print("no intervention cases")
        return
    table = Table(
        "case", "cohort", "trigger", "severity", "stage", "outcome", "opened", "closed", "refused"
    )
    for row in rows:
        refused = row["refusals"][-1] if row["refusals"] else None
        table.add_row(
            escape(f"{row['participant_id']}/{row['case_number']}"),
            escape(row["cohort_id"]),
            row["kind"].replace("_", " "),
            row["severity"],
            row["stage"].replace("_", " "),
            row["outcome"] or "",
            when(row["opened_at"]),
            when(row["closed_at"]) if row["closed_at"] else "",
            escape(f"{refused['step']} by {refused['by']}: {refused['reason']}") if refused else "",
        )
    stdout.print(table)


async def _cases(
    settings: Settings, open_only: bool, cohort: str | None, participant: str | None
) -> list[dict[str, Any]]:
    conditions, arguments = [], []
    if open_only:
        conditions.append("stage <> 'closed'")
    for column, value in (("cohort_id", cohort), ("participant_id", participant)):
        if value is not None:
            arguments.append(value)
            conditions.append(f"{column} = ${len(arguments)}")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    async with migrated_database(settings) as pool:
        rows = await pool.fetch(
            "SELECT participant_id, case_number, cohort_id, kind, severity, stage, outcome, "
            "opened_at, closed_at, coalesce(state->'refusals', '[]') AS refusals "
            f"FROM intervention_case {where} "
            "ORDER BY stage = 'closed', opened_at, participant_id, case_number",
            *arguments,
        )
    return [dict(row) for row in rows]


def _answer_case(
    reference: str,
    update: UpdateMethodMultiParam[[InterventionWorkflow, A], CaseFile],
    signal: MethodSyncOrAsyncSingleParam[InterventionWorkflow, A, None],
    argument: A,
    timeout: float,
    no_wait: bool,
) -> None:
    """The answer to the case by Update, printing where the case file stands after it; or,
    with --no-wait, by Signal (the case file records a refusal)."""
    pid, number = split_case(reference)
    if no_wait:
        run_signalling(intervention_workflow_id(pid, number), signal, argument)
        stdout.print(
            escape(f"{reference}: sent; `scls interventions list` shows it, or why it was refused")
        )
        return
    case_file = run_updating(
        lambda client: update_case(client, pid, number, update, argument, timeout)
    )
    stdout.print(escape(f"{reference}: {case_file.stage.value.replace('_', ' ')}"))


@interventions.command("decide")
@expected_errors
def decide_command(
    case: Annotated[str, typer.Argument(help="PID/N, e.g. P-1/1.")],
    decided_by: Annotated[str, typer.Option("--as", help="The Development Lead (a person id).")],
    outcome: Annotated[OutcomeKind, typer.Option(help="What happens next.")],
    plan: Annotated[str | None, typer.Option(help="continue: the support plan.")] = None,
    review_after_weeks: Annotated[
        int | None, typer.Option(help="continue: weeks until the plan's review.")
    ] = None,
    home: Annotated[str | None, typer.Option(help="move: the new home's id.")] = None,
    registered_manager: Annotated[
        str | None, typer.Option(help="move: the new home's Registered Manager.")
    ] = None,
    employer_mentor: Annotated[
        str | None, typer.Option(help="move: the new home's employer mentor.")
    ] = None,
    weeks: Annotated[int | None, typer.Option(help="extend or break: how many weeks.")] = None,
    reason: Annotated[str | None, typer.Option(help="withdraw: why.")] = None,
    destination: Annotated[
        WithdrawalDestination | None, typer.Option(help="withdraw: where they go.")
    ] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
    no_wait: NoWaitOption = False,
) -> None:
    """The Development Lead's outcome. Moves, extensions and withdrawals then wait for
    ops' approval; a support plan or a break in learning applies at once."""
    from domain.intervention.case import ProposeOutcome
    from workflows.intervention import InterventionWorkflow

    given = {
        "plan": plan,
        "review_after_weeks": review_after_weeks,
        "home_id": home,
        "registered_manager": registered_manager,
        "employer_mentor": employer_mentor,
        "weeks": weeks,
        "reason": reason,
        "destination": destination,
    }
    details = {name: value for name, value in given.items() if value is not None}
    try:
        command = ProposeOutcome.model_validate(
            {"by": decided_by, "outcome": {"kind": outcome.value, **details}}
        )
    except ValidationError as error:
        fail(escape(_refusal(outcome, error)))
    _answer_case(
        case,
        InterventionWorkflow.propose,
        InterventionWorkflow.propose_by_signal,
        command,
        timeout,
        no_wait,
    )


def _option(field: str) -> str:
    """The option that gives an outcome's field."""
    return "--home" if field == "home_id" else "--" + field.replace("_", "-")


def _refusal(outcome: OutcomeKind, error: ValidationError) -> str:
    """What the outcome's domain model found missing or wrong, in the options' names."""
    problems = error.errors()
    missing = [_option(str(p["loc"][-1])) for p in problems if p["type"] == "missing"]
    if missing:
        return f"a {outcome.value} outcome needs {', '.join(missing)}"
    wrong = "; ".join(
        f"{_option(str(p['loc'][-1]))}: {p['msg'].removeprefix('Value error, ')}" for p in problems
    )
    return f"the {outcome.value} outcome is not valid: {wrong}"


@interventions.command("approve")
@expected_errors
def approve_command(
    case: Annotated[str, typer.Argument(help="PID/N, e.g. P-1/1.")],
    by: Annotated[str, typer.Option("--as", help="Ops (a person id).")],
    timeout: TimeoutOption = UPDATE_TIMEOUT,
    no_wait: NoWaitOption = False,
) -> None:
    """Ops approve the outcome the Development Lead proposed; the participant follows it."""
    from domain.intervention.case import ReviewProposal
    from workflows.intervention import InterventionWorkflow

    review = ReviewProposal(by=by, approve=True)
    _answer_case(
        case,
        InterventionWorkflow.review,
        InterventionWorkflow.review_by_signal,
        review,
        timeout,
        no_wait,
    )


@interventions.command("send-back")
@expected_errors
def send_back_command(
    case: Annotated[str, typer.Argument(help="PID/N, e.g. P-1/1.")],
    by: Annotated[str, typer.Option("--as", help="Ops (a person id).")],
    reason: Annotated[str, typer.Option(help="Why, for the Development Lead.")],
    timeout: TimeoutOption = UPDATE_TIMEOUT,
    no_wait: NoWaitOption = False,
) -> None:
    """Ops do not approve the proposed outcome; the Development Lead proposes again."""
    from domain.intervention.case import ReviewProposal
    from workflows.intervention import InterventionWorkflow

    review = ReviewProposal(by=by, approve=False, reason=reason)
    _answer_case(
        case,
        InterventionWorkflow.review,
        InterventionWorkflow.review_by_signal,
        review,
        timeout,
        no_wait,
    )
