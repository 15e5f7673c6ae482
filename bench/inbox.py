"""Benchmark: one assignee's inbox (store.inbox.open_tasks) among 10,000 open tasks.

Fills a scratch database with ~1,000 participants, ~300 assignees and 10,000 open tasks
(rows written straight into task_inbox, task_delegation and people: this measures the
query, not the projector), then asks one random assignee's inbox N times and prints the
median, 95th percentile and worst time, client round trip included, and the plan.

The database is a Postgres embedded in a temporary folder, or with --url (or
SCLS_DATABASE_URL) a scratch database created on that server and dropped afterwards.

    python -m bench inbox [--tasks 10000] [--participants 1000] [--assignees 300] [-n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from domain.programme.tasks import TaskKind
from domain.roles import Role
from store.inbox import open_tasks
from store.migrate import migrate
from store.pool import open_pool

TARGET_MS = 10.0

# Which role answers each kind, roughly as the task policy has it.
_KINDS = [
    (TaskKind.CARE_CERTIFICATE_STANDARD, Role.ASSESSOR),
    (TaskKind.PROGRESS_REVIEW, Role.DEVELOPMENT_LEAD),
    (TaskKind.PLACEMENT_REVIEW, Role.REGISTERED_MANAGER),
    (TaskKind.OUTPLACEMENT_REPORT, Role.EMPLOYER_MENTOR),
    (TaskKind.PHASE_REVIEW, Role.REGISTERED_MANAGER),
    (TaskKind.DIPLOMA_RESULT, Role.ASSESSOR),
]


@asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str]:
    if url:
        name = f"scls_bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        return
    from scls.stack.ports import free_port
    from scls.stack.postgres_embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="scls-bench-") as folder:
        server = EmbeddedPostgres(Path(folder), port=free_port(), database="bench")
        server.start()
        try:
            yield server.dsn
        finally:
            server.stop()


async def fill(
    pool: asyncpg.Pool, *, tasks: int, participants: int, assignees: int, seed: int
) -> list[str]:
    """Write the rows; return the assignees' ids."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    people_ids = [f"bench-person-{n:04d}" for n in range(assignees)]
    participant_ids = [f"bench-participant-{n:05d}" for n in range(participants)]
    cohorts = [f"C-{n:02d}" for n in range(max(1, participants // 30))]
    person_rows = [
        (pid, f"Person {n}", f"{pid}@example.org", [rng.choice(list(Role)).value])
        for n, pid in enumerate(people_ids)
    ] + [
        (pid, f"Participant {n}", f"{pid}@example.org", [Role.PARTICIPANT.value])
        for n, pid in enumerate(participant_ids)
    ]
    task_rows = []
    numbers: dict[str, int] = {}
    for _ in range(tasks):
        participant = rng.choice(participant_ids)
        kind, role = rng.choice(_KINDS)
        numbers[participant] = numbers.get(participant, 0) + 1
        opened = now - timedelta(days=rng.uniform(0, 120))
        due = opened + timedelta(days=rng.uniform(7, 120))
        task_rows.append(
            (
                participant,
                f"{kind.value}.{numbers[participant]}",
                cohorts[int(participant.rsplit("-", 1)[1]) % len(cohorts)],
                kind.value,
                f"{kind.value.replace('_', ' ').capitalize()} {numbers[participant]}",
                None,
                rng.choice(people_ids),
                role.value,
                opened,
                due,
                rng.choice((0, 0, 0, 0, 1, 2)) if due < now else 0,
            )
        )
    # Some people are away: their tasks on a few participants go to a deputy for now.
    delegation_rows = []
    for n, (participant, *_rest) in enumerate(rng.sample(task_rows, k=min(300, len(task_rows)))):
        row = next(r for r in task_rows if r[0] == participant)
        delegation_rows.append(
            (
                participant,
                n + 1,
                row[6],
                rng.choice(people_ids),
                now - timedelta(days=3),
                now + timedelta(days=rng.choice((-1, 7))),
                row[6],
                False,
            )
        )
    async with pool.acquire() as connection, connection.transaction():
        await connection.copy_records_to_table(
            "people", records=person_rows, columns=["person_id", "display_name", "email", "roles"]
        )
        await connection.copy_records_to_table(
            "task_inbox",
            records=task_rows,
            columns=[
                "participant_id",
                "task_id",
                "cohort_id",
                "kind",
                "title",
                "phase",
                "assignee",
                "role",
                "opened_at",
                "due_at",
                "escalation_level",
            ],
        )
        await connection.copy_records_to_table(
            "task_delegation",
            records=delegation_rows,
            columns=[
                "participant_id",
                "delegation_id",
                "from_person",
                "to_person",
                "starts_at",
                "until",
                "granted_by",
                "ended",
            ],
        )
    await pool.execute("ANALYZE people; ANALYZE task_inbox; ANALYZE task_delegation")
    return people_ids


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(arguments: argparse.Namespace) -> int:
    url = arguments.url or os.environ.get("SCLS_DATABASE_URL")
    async with scratch_database(url) as dsn:
        await migrate(dsn)
        pool = await open_pool(dsn, min_size=1, max_size=2)
        try:
            assignees = await fill(
                pool,
                tasks=arguments.tasks,
                participants=arguments.participants,
                assignees=arguments.assignees,
                seed=arguments.seed,
            )
            rng = random.Random(arguments.seed)
            for _ in range(10):  # warm the connection's statement cache and the buffers
                await open_tasks(pool, assignee=rng.choice(assignees))
            timings = []
            found = 0
            for _ in range(arguments.n):
                who = rng.choice(assignees)
                started = time.perf_counter()
                entries = await open_tasks(pool, assignee=who)
                timings.append((time.perf_counter() - started) * 1000)
                found += len(entries)
            plan = await _plan(pool, assignees[0])
        finally:
            await pool.close()
    median = statistics.median(timings)
    p95 = percentile(timings, 0.95)
    print(
        f"inbox query: {arguments.tasks} open tasks, {arguments.participants} participants, "
        f"{arguments.assignees} assignees; {arguments.n} queries of one assignee's inbox "
        f"(avg {found / arguments.n:.1f} rows)"
    )
    print(f"  median {median:.2f} ms   p95 {p95:.2f} ms   max {max(timings):.2f} ms")
    if arguments.plan:
        print("plan of one query (EXPLAIN ANALYZE):")
        print("\n".join(f"  {line}" for line in plan))
    verdict = "within" if p95 < TARGET_MS else "OVER"
    print(f"  p95 {verdict} the {TARGET_MS:g} ms target")
    return 0 if p95 < TARGET_MS else 1


async def _plan(pool: asyncpg.Pool, assignee: str) -> list[str]:
    """The plan Postgres chose, captured by running the query's SQL under EXPLAIN."""
    captured: list[str] = []

    class Explaining:
        async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
            rows = await pool.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {query}", *args)
            captured.extend(row[0] for row in rows)
            return []

    await open_tasks(Explaining(), assignee=assignee)  # type: ignore[arg-type]
    return captured


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench inbox", description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--participants", type=int, default=1_000)
    parser.add_argument("--assignees", type=int, default=300)
    parser.add_argument("-n", type=int, default=200, help="queries to time")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--url", help="a Postgres server to create a scratch database on")
    parser.add_argument("--plan", action="store_true", help="print the query plan")
    return asyncio.run(run(parser.parse_args(argv)))
