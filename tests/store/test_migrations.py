"""Migrations apply once, in order, and refuse an edited migration."""

from __future__ import annotations

import asyncpg
import pytest

from store import migrate as migrations

pytestmark = pytest.mark.postgres


async def test_migrating_a_migrated_database_applies_nothing(database_url: str) -> None:
    assert await migrations.migrate(database_url) == []


async def test_every_migration_is_recorded_once(pool: asyncpg.Pool) -> None:
    rows = await pool.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in rows] == [
        m.version for m in migrations.available_migrations()
    ]


async def test_an_edited_migration_is_refused(pool: asyncpg.Pool) -> None:
    await pool.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001'")
    async with pool.acquire() as connection:
        with pytest.raises(migrations.MigrationError, match="was changed after it was applied"):
            await migrations.pending_migrations(connection)
