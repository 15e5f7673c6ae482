"""Web console accounts: passwords (argon2 hashes) and one-time sign-in links.

A sign-in link's token is random and kept only as its SHA-256, so the database alone
cannot sign anyone in; redeeming it is one UPDATE that succeeds once, before it expires.
Argon2 is slow on purpose, so hashing and checking run off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.people import Person
from store.directory import person_by_login
from store.pool import Connection

MIN_PASSWORD_LENGTH = 10
SIGN_IN_LINK_LIFETIME = timedelta(minutes=20)
# At most this many links are made for one person within a link's lifetime: anyone may
# ask for a link to any address, and a mailbox must not be flooded.
SIGN_IN_LINKS_AT_ONCE = 3

_HASHER = PasswordHasher()
# Checked against when nobody has the login, so a wrong name takes as long as a wrong
# password and the answer's timing does not say who has an account.
_DECOY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class UnknownPerson(Exception):
    """No one in the people directory has this id."""


class WeakPassword(ValueError):
    """The password is too short to be worth having."""


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


async def set_password(pool: asyncpg.Pool | Connection, person_id: str, password: str) -> None:
    check_password(password)
    hashed = await asyncio.to_thread(_HASHER.hash, password)
    inserted = await pool.fetchval(
        "INSERT INTO web_passwords (person_id, password_hash) "
        "SELECT person_id, $2 FROM people WHERE person_id = $1 "
        "ON CONFLICT (person_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, "
        "updated_at = now() RETURNING person_id",
        person_id,
        hashed,
    )
    if inserted is None:
        raise UnknownPerson(f"no one with id {person_id} is in the people directory")


def _matches(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def person_with_password(
    pool: asyncpg.Pool | Connection, login: str, password: str
) -> Person | None:
    """The person whose id or email is `login`, if `password` is theirs."""
    found = await person_by_login(pool, login)
    hashed = None
    if found is not None:
        hashed = await pool.fetchval(
            "SELECT password_hash FROM web_passwords WHERE person_id = $1", found.person_id
        )
    if not await asyncio.to_thread(_matches, hashed or _DECOY_HASH, password) or hashed is None:
        return None
    return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def new_sign_in_link(pool: asyncpg.Pool | Connection, person_id: str) -> str | None:
    """A fresh token for `person_id`, good once for SIGN_IN_LINK_LIFETIME; None when
    SIGN_IN_LINKS_AT_ONCE links were already made for them within that lifetime."""
    token = secrets.token_urlsafe(32)
    made = await pool.fetchval(
        "INSERT INTO web_sign_in_links (token_hash, person_id, expires_at) "
        "SELECT $1, $2, now() + $3::interval "
        "WHERE (SELECT count(*) FROM web_sign_in_links "
        "       WHERE person_id = $2 AND created_at > now() - $3::interval) < $4 "
        "RETURNING true",
        _digest(token),
        person_id,
        SIGN_IN_LINK_LIFETIME,
        SIGN_IN_LINKS_AT_ONCE,
    )
    return token if made else None


async def redeem_sign_in_link(pool: asyncpg.Pool | Connection, token: str) -> str | None:
    """The person the token signs in, marking it used; None if unknown, used or expired."""
    person_id: str | None = await pool.fetchval(
        "UPDATE web_sign_in_links SET used_at = now() "
        "WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING person_id",
        _digest(token),
    )
    return person_id
