"""`scls health`: the workflows that are stuck on a failing workflow task.

Exit codes: 0 none failing, 1 some failing (listed), 2 Temporal unreachable; so a
monitor can run it on a schedule.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors
from scls.cli.output import console

if TYPE_CHECKING:
    from scls.failing_workflows import FailingWorkflow
    from scls.settings import Settings

EXIT_FAILING = 1


@expected_errors
def health(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per workflow")] = False,
) -> None:
    """List running workflows whose workflow task keeps failing (they make no progress)."""
    failing = asyncio.run(_failing(settings_and_logging()))
    if as_json:
        for workflow in failing:
            typer.echo(json.dumps(_as_dict(workflow)))
    elif failing:
        console().print(_table(failing))
    else:
        typer.echo("no workflow has a failing workflow task")
    if failing:
        raise typer.Exit(EXIT_FAILING)


async def _failing(settings: Settings) -> list[FailingWorkflow]:
    from scls.failing_workflows import failing_workflows
    from scls.temporal import connect

    return await failing_workflows(await connect(settings))


def _as_dict(workflow: FailingWorkflow) -> dict[str, object]:
    return {
        "workflow_id": workflow.workflow_id,
        "run_id": workflow.run_id,
        "workflow_type": workflow.workflow_type,
        "attempts": workflow.attempts,
        "failing_since": workflow.failing_since.isoformat() if workflow.failing_since else None,
        "cause": workflow.cause,
        "failure": workflow.failure,
    }


def _table(failing: list[FailingWorkflow]) -> Table:
    table = Table(title=f"{len(failing)} workflow(s) with a failing workflow task")
    for column in ("workflow", "type", "attempts", "failing since", "cause", "failure"):
        table.add_column(column)
    for workflow in failing:
        table.add_row(
            workflow.workflow_id,
            workflow.workflow_type,
            str(workflow.attempts),
            f"{workflow.failing_since:%Y-%m-%d %H:%M:%S}" if workflow.failing_since else "",
            workflow.cause,
            escape(workflow.failure.splitlines()[0] if workflow.failure else ""),
        )
    return table
