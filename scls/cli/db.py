"""`scls db ...`: the database commands (migrations).

The database is SCLS_DATABASE_URL, or else the embedded Postgres of `scls dev`.
"""

from __future__ import annotations

import asyncio

import typer

from scls.cli.common import migrate_database, settings_and_logging
from scls.cli.errors import expected_errors

db = typer.Typer(no_args_is_help=True)


@db.command("migrate")
@expected_errors
def migrate_command() -> None:
    """Apply the pending schema migrations, in order; safe to run again."""
    applied = asyncio.run(migrate_database(settings_and_logging()))
    if applied:
        typer.echo("applied: " + ", ".join(applied))
    else:
        typer.echo("schema up to date")
