"""Migrations apply once, in order, refuse an edited migration, and rebuild the read models
after one that changes what they keep."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from contracts.event_log import NewEvent
from domain.participant.decide import decide
from domain.participant.state import initial_state
from store import migrate as migrations
from store.events import append
from store.inbox import participants_to_delegate_for
from store.pool import open_pool
from store.projections import Projections
from tests.conftest import with_database
from tests.domain.domain_builders import PROGRAMME_START, enrol_command

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


async def test_a_migration_that_changes_a_read_model_rebuilds_the_read_models(
    postgres_server_url: str,
) -> None:
    # A database from before the first such migration, with events but read models built
    # by older code: here, none at all.
    name = f"scls_old_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    old_url = with_database(postgres_server_url, name)
    try:
        connection = await asyncpg.connect(old_url)
        try:
            await migrations._ensure_table(connection)
            for migration in migrations.available_migrations():
                if migration.rebuilds_read_models:
                    break
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
        finally:
            await connection.close()
        pool = await open_pool(old_url)
        try:
            enrolled = decide(
                initial_state("P-1"), enrol_command("P-1"), PROGRAMME_START - timedelta(weeks=6)
            )
            events = [NewEvent.of(event) for event in enrolled]
            await append(pool, Projections(), "participant-P-1", 0, events)
            assert await migrations.migrate(old_url)
            assert await participants_to_delegate_for(pool, "P-rm-1") == ["P-1"]
            assert await pool.fetchval("SELECT count(*) FROM task_inbox") == 1
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
