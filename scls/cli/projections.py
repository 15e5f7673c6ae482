"""`scls projections rebuild`: empty every read model and replay the whole event log into it."""

from __future__ import annotations

import asyncio

import typer

from scls.cli.common import database, settings_and_logging
from scls.cli.errors import expected_errors
from scls.settings import Settings

projections = typer.Typer(no_args_is_help=True)


@projections.command("rebuild")
@expected_errors
def rebuild_command() -> None:
    """Rebuild participant progress and cohort summaries from the events, in one transaction."""
    replayed = asyncio.run(_rebuild(settings_and_logging()))
    typer.echo(f"rebuilt every read model from {replayed} events")


async def _rebuild(settings: Settings) -> int:
    from store.read_models import PROJECTIONS

    async with database(settings) as pool:
        return await PROJECTIONS.rebuild(pool)
