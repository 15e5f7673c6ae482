"""`scls schedules apply`: create or update the engine's Temporal Schedules (the weekly
digest) to what the code says; running it again changes nothing."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors
from scls.settings import Settings

if TYPE_CHECKING:
    from scls.schedules import Applied

schedules = typer.Typer(no_args_is_help=True)


@schedules.command("apply")
@expected_errors
def apply_command() -> None:
    """Create each schedule, or update it to this release's definition (idempotent)."""
    for schedule_id, applied in asyncio.run(_apply(settings_and_logging())).items():
        typer.echo(f"{schedule_id}: {applied.value}")


async def _apply(settings: Settings) -> dict[str, Applied]:
    from scls.schedules import apply_schedules
    from scls.temporal import connect

    client = await connect(settings)
    return await apply_schedules(client, settings.temporal_task_queue)
