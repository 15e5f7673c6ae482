"""What every command does first: read the settings and set up logging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg

from scls.cli.errors import DatabaseUnavailable
from scls.logging import configure_logging
from scls.settings import Settings, load_settings


def settings_and_logging() -> Settings:
    settings = load_settings()
    configure_logging(settings)
    return settings


def when(instant: datetime) -> str:
    """An instant as tables show it: to the minute, in UTC."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def named(person: str, names: Mapping[str, str]) -> str:
    """A person id as tables show it: "Name (id)" when the directory knows the name."""
    name = names.get(person, person)
    return person if name == person else f"{name} ({person})"


def database_url(settings: Settings) -> str:
    """SCLS_DATABASE_URL, or else the embedded Postgres that `scls dev` runs, as the
    application role's login."""
    if settings.database_url is not None:
        return settings.database_url
    from scls.stack.postgres_embedded import EmbeddedPostgres

    return EmbeddedPostgres(settings.data_dir, port=settings.dev_postgres_port).app_dsn


def owner_database_url(settings: Settings) -> str:
    """Where migrations run: SCLS_DATABASE_OWNER_URL, else SCLS_DATABASE_URL, else the
    embedded Postgres's superuser."""
    if settings.database_owner_url is not None:
        return settings.database_owner_url
    if settings.database_url is not None:
        return settings.database_url
    from scls.stack.postgres_embedded import EmbeddedPostgres

    return EmbeddedPostgres(settings.data_dir, port=settings.dev_postgres_port).dsn


def _unreachable(settings: Settings, error: Exception) -> DatabaseUnavailable:
    where = (
        "SCLS_DATABASE_URL"
        if settings.database_url is not None
        else f"the embedded Postgres of `scls dev` on port {settings.dev_postgres_port} "
        "(is `scls dev` running? or set SCLS_DATABASE_URL)"
    )
    return DatabaseUnavailable(f"cannot connect to Postgres ({where}): {error}")


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """The configured Postgres as a pool; an unreachable server is an expected error."""
    from store.pool import open_pool

    try:
        pool = await open_pool(database_url(settings))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise _unreachable(settings, error) from error
    try:
        yield pool
    finally:
        await pool.close()


async def migrate_database(settings: Settings) -> list[str]:
    from store.migrate import migrate

    try:
        return await migrate(owner_database_url(settings))
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as error:
        raise _unreachable(settings, error) from error
