"""CQC ratings in Postgres: reference data imported from CQC's published file, kept as a
history per location (not events: CQC is their record, and a new file only adds)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from domain.cqc import KEY_QUESTIONS, LocationRating
from store.pool import Connection

_FIELDS = ("location_id", "published_on", "location_name", "overall", *KEY_QUESTIONS)


async def import_ratings(pool: asyncpg.Pool, ratings: Sequence[LocationRating]) -> int:
    """Add the ratings, all or nothing; one already held (same location and publication
    date) is refreshed. Returns how many rows were new."""
    async with pool.acquire() as connection, connection.transaction():
        before = await connection.fetchval("SELECT count(*) FROM cqc_rating")
        await connection.executemany(
            f"INSERT INTO cqc_rating ({', '.join(_FIELDS)}) "
            f"VALUES ({', '.join(f'${n}' for n in range(1, len(_FIELDS) + 1))}) "
            "ON CONFLICT (location_id, published_on) DO UPDATE SET "
            + ", ".join(f"{f} = EXCLUDED.{f}" for f in _FIELDS[2:]),
            [
                tuple(
                    value.value if hasattr(value, "value") else value
                    for value in (getattr(r, field) for field in _FIELDS)
                )
                for r in ratings
            ],
        )
        after = await connection.fetchval("SELECT count(*) FROM cqc_rating")
    return int(after - before)


async def rating_histories(
    connection: asyncpg.Pool | Connection, location_ids: Iterable[str]
) -> dict[str, list[LocationRating]]:
    """Each location's ratings on record, oldest first."""
    rows = await connection.fetch(
        f"SELECT {', '.join(_FIELDS)} FROM cqc_rating WHERE location_id = ANY($1::text[]) "
        "ORDER BY location_id, published_on",
        sorted(set(location_ids)),
    )
    histories: dict[str, list[LocationRating]] = {}
    for row in rows:
        histories.setdefault(row["location_id"], []).append(
            LocationRating.model_validate(dict(row))
        )
    return histories
