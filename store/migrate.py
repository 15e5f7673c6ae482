"""Versioned SQL migrations: applied once, in order, each recorded in `schema_migrations`.

Migration files are `store/migrations/NNNN_name.sql`. An applied migration whose file has
changed since is an error, not a silent skip: the schema would no longer match its record.

A migration that changes what a read model keeps (a column the projectors fill from the
domain) has the line REBUILD_READ_MODELS; once it is applied, every read model is rebuilt
from the events by the projectors themselves, so no SQL need restate what the domain
computes for the rows already there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from store.pool import Connection, init_connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

REBUILD_READ_MODELS = "-- then: rebuild the read models"

# Any fixed key: two processes migrating the same database wait for each other.
_ADVISORY_LOCK_KEY = 0x5C15_0001


class MigrationError(Exception):
    """The database's schema record disagrees with the migration files."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def rebuilds_read_models(self) -> bool:
        return REBUILD_READ_MODELS in self.sql.splitlines()


def available_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        if not version.isdigit():
            raise MigrationError(f"migration file {path.name} must start with a number")
        migrations.append(Migration(version=version, name=name, sql=path.read_text()))
    return migrations


async def _ensure_table(connection: Connection) -> None:
    await connection.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    text PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


async def pending_migrations(connection: Connection) -> list[Migration]:
    """The migrations not yet applied; raises MigrationError if an applied one has changed."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied: dict[str, str] = {}
    if exists:
        rows = await connection.fetch("SELECT version, checksum FROM schema_migrations")
        applied = {row["version"]: row["checksum"] for row in rows}
    pending = []
    for migration in available_migrations():
        checksum = applied.get(migration.version)
        if checksum is None:
            pending.append(migration)
        elif checksum != migration.checksum:
            raise MigrationError(
                f"migration {migration.version}_{migration.name} was changed after it was "
                "applied; add a new migration instead of editing an applied one"
            )
    return pending


async def migrate(dsn: str) -> list[str]:
    """Apply every pending migration in order, then rebuild the read models if one of them
    asks for it; return the names of those applied."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_LOCK_KEY)
        try:
            await _ensure_table(connection)
            pending = await pending_migrations(connection)
            applied = []
            for migration in pending:
                async with connection.transaction():
                    await connection.execute(migration.sql)
                    await connection.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
                applied.append(f"{migration.version}_{migration.name}")
            if any(migration.rebuilds_read_models for migration in pending):
                from store.read_models import PROJECTIONS

                await init_connection(connection)
                await PROJECTIONS.rebuild_on(connection)
            return applied
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_LOCK_KEY)
    finally:
        await connection.close()
