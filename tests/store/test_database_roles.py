"""The application role the engine connects as may read and append the record, keep the
read models and sessions, and nothing more: updating, deleting or truncating events,
switching the append-only trigger off (by ALTER TABLE or by session_replication_role),
or dropping the table are refused by Postgres itself, whatever the code asks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from store.migrate import migrate

pytestmark = pytest.mark.postgres


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


@pytest.fixture
async def app_url(database_url: str, postgres_server_url: str) -> AsyncIterator[str]:
    """The test's database as a login that is a member of scls_app, as `scls dev`'s and a
    deployment's are (deploy/README.md)."""
    login = f"scls_app_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_server_url)
    try:
        await admin.execute(f"CREATE ROLE {login} LOGIN IN ROLE scls_app")
        yield _as_user(database_url, login)
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {login}")
        await admin.close()


async def _event(connection: asyncpg.Connection, version: int) -> None:
    await connection.execute(
        "INSERT INTO events (stream, version, event_id, type, data, metadata) "
        "VALUES ('participant-P-roles', $1, $2, 'Noted', '{}', '{}')",
        version,
        uuid.uuid4(),
    )


REFUSED = [
    "UPDATE events SET type = 'Rewritten'",
    "DELETE FROM events",
    "TRUNCATE events",
    "ALTER TABLE events DISABLE TRIGGER events_append_only",
    "ALTER TABLE events DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
    "DROP TABLE events",
    "DROP TRIGGER events_append_only ON events",
    "DELETE FROM schema_migrations",
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ('9999', 'x', 'x')",
]


@pytest.mark.parametrize("statement", REFUSED)
async def test_the_application_role_cannot_change_the_record(app_url: str, statement: str) -> None:
    connection = await asyncpg.connect(app_url)
    try:
        await _event(connection, 1)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(statement)
        assert await connection.fetchval("SELECT count(*) FROM events") == 1
        assert await connection.fetchval("SELECT type FROM events") == "Noted"
    finally:
        await connection.close()


async def test_the_application_role_does_what_the_engine_needs(app_url: str) -> None:
    """Append and read events, keep read models (rebuilt by truncating them), sessions
    and the outbox, and check the migrations' record, as the worker does at start."""
    from store.migrate import pending_migrations
    from store.pool import open_pool
    from store.read_models import PROJECTIONS
    from store.web_sessions import account_key, record_failure

    pool = await open_pool(app_url)
    try:
        assert await PROJECTIONS.rebuild(pool) == 0  # truncates every read model
        async with pool.acquire() as connection:
            await _event(connection, 1)
            assert await pending_migrations(connection) == []
        await record_failure(pool, account_key("someone"), "192.0.2.1")
        assert await pool.fetchval("SELECT count(*) FROM web_sign_in_failures") == 1
    finally:
        await pool.close()


async def test_the_owner_role_owns_everything_and_migrating_again_keeps_it_so(
    database_url: str,
) -> None:
    assert await migrate(database_url) == []  # nothing pending: the template was migrated
    connection = await asyncpg.connect(database_url)
    try:
        owners = await connection.fetch(
            "SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm')"
        )
        assert owners and {row["owner"] for row in owners} == {"scls_owner"}, owners
        privileges = await connection.fetchval(
            "SELECT array_agg(privilege_type ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants "
            "WHERE grantee = 'scls_app' AND table_name = 'events'"
        )
        assert privileges == ["INSERT", "SELECT"]
    finally:
        await connection.close()
