"""Console sessions on the server, and the throttle on failed sign-ins.

A session is a random token in the person's cookie and its SHA-256 here: signing out
deletes the row, so a copy of the cookie taken before opens nothing after;
`end_sessions_of` ends every session of a person (ops, after a lost laptop or a leaver).

Failed sign-ins are counted per account (the SHA-256 of the login typed, whether or not
anyone has it, so the lockout says nothing of who has an account) and per client address.
ACCOUNT_LIMIT failures for an account within WINDOW lock its password sign-in until WINDOW
after the last of them; CLIENT_LIMIT failures from one address lock that address the same
way. Attempts while locked are refused without checking the password and are not
counted, so the lock ends when it said it would. The clock is Postgres's, shared by every
console instance.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import asyncpg

from store.pool import Connection

SESSION_LIFETIME = timedelta(hours=12)  # a shift and a half; then sign in again
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW = timedelta(minutes=15)
# Failures older than this are of no use to the throttle and are pruned as new ones come.
_KEPT = timedelta(days=1)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def start_session(pool: asyncpg.Pool | Connection, person_id: str) -> str:
    """A new session for `person_id`: the token for the cookie (kept here only hashed)."""
    token = secrets.token_urlsafe(32)
    await pool.execute(
        "INSERT INTO web_sessions (token_hash, person_id, expires_at) "
        "VALUES ($1, $2, now() + $3::interval)",
        _digest(token),
        person_id,
        SESSION_LIFETIME,
    )
    return token


async def session_person(pool: asyncpg.Pool | Connection, token: str) -> str | None:
    """The person whose live session `token` is; None if unknown, ended or expired."""
    person_id: str | None = await pool.fetchval(
        "SELECT person_id FROM web_sessions WHERE token_hash = $1 AND expires_at > now()",
        _digest(token),
    )
    return person_id


async def end_session(pool: asyncpg.Pool | Connection, token: str) -> None:
    await pool.execute("DELETE FROM web_sessions WHERE token_hash = $1", _digest(token))


async def end_sessions_of(pool: asyncpg.Pool | Connection, person_id: str) -> int:
    """End every session of `person_id` (and drop expired ones of anyone); how many ended."""
    ended: int = await pool.fetchval(
        "WITH ended AS (DELETE FROM web_sessions WHERE person_id = $1 RETURNING 1) "
        "SELECT count(*) FROM ended",
        person_id,
    )
    await pool.execute("DELETE FROM web_sessions WHERE expires_at <= now()")
    return ended


# --- the sign-in throttle ----------------------------------------------------------


def account_key(login: str) -> bytes:
    """What the throttle counts an account by: never the login itself."""
    return hashlib.sha256(login.strip().lower().encode()).digest()


@dataclass(frozen=True)
class Lockout:
    what: Literal["account", "client"]
    until: datetime


async def lockout(pool: asyncpg.Pool | Connection, account: bytes, client: str) -> Lockout | None:
    """The lock on this account or client address, if either has one now."""
    row = await pool.fetchrow(
        "SELECT "
        "  count(*) FILTER (WHERE account = $1) AS account_failures, "
        "  max(failed_at) FILTER (WHERE account = $1) AS account_last, "
        "  count(*) FILTER (WHERE client = $2) AS client_failures, "
        "  max(failed_at) FILTER (WHERE client = $2) AS client_last "
        "FROM web_sign_in_failures "
        "WHERE (account = $1 OR client = $2) AND failed_at > now() - $3::interval",
        account,
        client,
        WINDOW,
    )
    assert row is not None
    locks = []
    if row["account_failures"] >= ACCOUNT_LIMIT:
        locks.append(Lockout("account", row["account_last"] + WINDOW))
    if row["client_failures"] >= CLIENT_LIMIT:
        locks.append(Lockout("client", row["client_last"] + WINDOW))
    return max(locks, key=lambda lock: lock.until, default=None)


async def record_failure(
    pool: asyncpg.Pool | Connection, account: bytes, client: str
) -> tuple[int, int]:
    """Count a failed sign-in; the failures within WINDOW for (the account, the client)."""
    row = await pool.fetchrow(
        "WITH pruned AS (DELETE FROM web_sign_in_failures WHERE failed_at < now() - $4::interval), "
        "added AS (INSERT INTO web_sign_in_failures (account, client) VALUES ($1, $2)) "
        "SELECT "
        "  1 + count(*) FILTER (WHERE account = $1) AS account_failures, "
        "  1 + count(*) FILTER (WHERE client = $2) AS client_failures "
        "FROM web_sign_in_failures "
        "WHERE (account = $1 OR client = $2) AND failed_at > now() - $3::interval",
        account,
        client,
        WINDOW,
        _KEPT,
    )
    assert row is not None
    return row["account_failures"], row["client_failures"]


async def clear_account_failures(pool: asyncpg.Pool | Connection, account: bytes) -> None:
    """A sign-in that succeeded: the account's earlier failures no longer count."""
    await pool.execute("DELETE FROM web_sign_in_failures WHERE account = $1", account)
