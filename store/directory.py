"""The people directory in Postgres: loading a validated snapshot, and looking people up.

A load upserts (providers, then homes, then people) in one transaction, so loading the
same file twice changes nothing and a failed load leaves the directory as it was. People
absent from the file are kept: tasks and events still name them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from domain.people import Directory, Person
from domain.roles import Role
from store.pool import Connection


class DirectoryConflict(Exception):
    """The snapshot is consistent in itself but clashes with people already stored."""


@dataclass(frozen=True)
class LoadResult:
    providers: int
    homes: int
    people: int


async def load_directory(
    pool: asyncpg.Pool, directory: Directory, *, keep_other_roles: bool = False
) -> LoadResult:
    """Upsert every provider, home and person of `directory`, all or nothing.

    `keep_other_roles`: a person already stored keeps the roles the snapshot does not
    give them (a cohort file names people in the roles they play for that cohort only).
    """
    async with pool.acquire() as connection:
        try:
            async with connection.transaction():
                await _upsert(connection, directory, keep_other_roles=keep_other_roles)
        except asyncpg.UniqueViolationError as error:
            # The file's emails and CQC ids are unique among themselves (the Directory
            # checks); this is a clash with a row the file does not mention.
            raise DirectoryConflict(
                f"the directory clashes with what is already stored: {error.detail or error}"
            ) from None
    return LoadResult(
        providers=len(directory.providers),
        homes=len(directory.homes),
        people=len(directory.people),
    )


# What a person's row becomes when the file names them: the file's values, or (keeping
# other roles) the roles of both, the stored home and provider where the file has none,
# and the mail preference they chose (a cohort file does not carry one).
_REPLACED = {
    "roles": "EXCLUDED.roles",
    "home_id": "EXCLUDED.home_id",
    "provider_id": "EXCLUDED.provider_id",
    "mail": "EXCLUDED.mail",
}
_MERGED = {
    "roles": "ARRAY(SELECT DISTINCT r FROM unnest(people.roles || EXCLUDED.roles) AS r ORDER BY r)",
    "home_id": "coalesce(EXCLUDED.home_id, people.home_id)",
    "provider_id": "coalesce(EXCLUDED.provider_id, people.provider_id)",
    "mail": "people.mail",
}


async def _upsert(connection: Connection, directory: Directory, *, keep_other_roles: bool) -> None:
    await connection.executemany(
        "INSERT INTO providers (provider_id, name) VALUES ($1, $2) "
        "ON CONFLICT (provider_id) DO UPDATE SET name = EXCLUDED.name",
        [(p.provider_id, p.name) for p in directory.providers],
    )
    await connection.executemany(
        "INSERT INTO homes (home_id, name, cqc_location_id, provider_id) "
        "VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (home_id) DO UPDATE SET name = EXCLUDED.name, "
        "cqc_location_id = EXCLUDED.cqc_location_id, provider_id = EXCLUDED.provider_id",
        [(h.home_id, h.name, h.cqc_location_id, h.provider_id) for h in directory.homes],
    )
    # updated_at moves only when something did, so a reload of the same file is a no-op.
    merged = _MERGED if keep_other_roles else _REPLACED
    await connection.executemany(
        "INSERT INTO people (person_id, display_name, email, roles, home_id, provider_id, mail) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (person_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
        f"email = EXCLUDED.email, roles = {merged['roles']}, home_id = {merged['home_id']}, "
        f"provider_id = {merged['provider_id']}, mail = {merged['mail']}, updated_at = now() "
        "WHERE (people.display_name, people.email, people.roles, people.home_id, "
        "people.provider_id, people.mail) IS DISTINCT FROM (EXCLUDED.display_name, "
        f"EXCLUDED.email, {merged['roles']}, {merged['home_id']}, {merged['provider_id']}, "
        f"{merged['mail']})",
        [
            (
                p.person_id,
                p.display_name,
                p.email,
                sorted(role.value for role in p.roles),
                p.home_id,
                p.provider_id,
                p.mail.value,
            )
            for p in directory.people
        ],
    )


_PERSON_COLUMNS = "person_id, display_name, email, roles, home_id, provider_id, mail"


def _person(row: asyncpg.Record) -> Person:
    return Person.model_validate(dict(row))


async def person(pool: asyncpg.Pool | Connection, person_id: str) -> Person | None:
    row = await pool.fetchrow(
        f"SELECT {_PERSON_COLUMNS} FROM people WHERE person_id = $1", person_id
    )
    return None if row is None else _person(row)


async def person_by_login(pool: asyncpg.Pool | Connection, login: str) -> Person | None:
    """The person whose id is `login`, or whose email is (in any case)."""
    row = await pool.fetchrow(
        f"SELECT {_PERSON_COLUMNS} FROM people "
        "WHERE person_id = $1 OR lower(email) = lower($1) ORDER BY person_id = $1 DESC LIMIT 1",
        login.strip(),
    )
    return None if row is None else _person(row)


async def people(pool: asyncpg.Pool | Connection, *, role: Role | None = None) -> list[Person]:
    """Everyone in the directory (holding `role`, if given), by display name."""
    rows = await pool.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM people "
        "WHERE $1::text IS NULL OR $1::text = ANY(roles) ORDER BY display_name, person_id",
        role.value if role is not None else None,
    )
    return [_person(row) for row in rows]


async def display_names(
    pool: asyncpg.Pool | Connection, person_ids: Iterable[str]
) -> dict[str, str]:
    """Display names of the given ids; an id not in the directory is its own name."""
    ids = sorted(set(person_ids))
    rows = await pool.fetch(
        "SELECT person_id, display_name FROM people WHERE person_id = ANY($1::text[])", ids
    )
    names = {row["person_id"]: row["display_name"] for row in rows}
    return {person_id: names.get(person_id, person_id) for person_id in ids}


async def people_by_id(
    pool: asyncpg.Pool | Connection, person_ids: Iterable[str]
) -> dict[str, Person]:
    """The directory's entries (names and contact details) of those ids it has."""
    rows = await pool.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM people WHERE person_id = ANY($1::text[])",
        sorted(set(person_ids)),
    )
    return {row["person_id"]: _person(row) for row in rows}
