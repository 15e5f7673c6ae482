"""`scls db ...`: the database commands (migrations) against SCLS_DATABASE_URL."""

from __future__ import annotations

import asyncio

import typer

from scls.cli.common import settings_and_logging
from scls.cli.errors import DatabaseUnavailable, expected_errors, fail

db = typer.Typer(help="Database commands (SCLS_DATABASE_URL).", no_args_is_help=True)


@db.command("migrate")
@expected_errors
def migrate_command() -> None:
    """Apply the pending schema migrations, in order; safe to run again."""
    settings = settings_and_logging()
    if settings.database_url is None:
        fail(
            "SCLS_DATABASE_URL is not set: say which Postgres to migrate "
            "(`scls dev` migrates its embedded one by itself)"
        )
    applied = asyncio.run(_migrate(settings.database_url))
    if applied:
        typer.echo("applied: " + ", ".join(applied))
    else:
        typer.echo("schema up to date")


async def _migrate(database_url: str) -> list[str]:
    import asyncpg

    from store.migrate import migrate

    try:
        return await migrate(database_url)
    except (
        OSError,
        asyncpg.InterfaceError,
        asyncpg.InvalidAuthorizationSpecificationError,
        asyncpg.InvalidCatalogNameError,
    ) as error:
        raise DatabaseUnavailable(
            f"cannot connect to Postgres (SCLS_DATABASE_URL): {error}"
        ) from error
