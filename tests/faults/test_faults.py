"""Faults against the real servers: the worker SIGKILLed, Postgres and Temporal restarted.

Each test runs the scenario of `scenario.py` on its own Temporal dev server and database,
disturbs it, and then requires every participant's (and the cohort's) record in Postgres
to equal that of an undisturbed run: nothing lost, nothing twice. The faults come at
random instants (the seed is printed); each test is bounded in time and stops by itself.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from scls.stack.ports import free_port
from scls.stack.postgres_embedded import EmbeddedPostgres
from tests.conftest import with_database
from tests.faults.scenario import Faults, Record, Stack, differences, run_scenario

WORKER_KILLS = 8
POSTGRES_RESTARTS = 3
TEMPORAL_RESTARTS = 2
# The timetable appends every few programme days, a few seconds at this time scale.
OUTAGE_MEETS_AN_APPEND_WITHIN = 8.0
# The scenario takes about 45 s of real time, and fails by itself when it has not caught
# up CATCH_UP_WITHIN after the cut-off; anything beyond is a hang.
TEST_TIMEOUT = 240.0
pytestmark = [pytest.mark.slow, pytest.mark.time_limit(TEST_TIMEOUT + 10)]


@pytest.fixture(scope="module")
def postgres() -> Iterator[EmbeddedPostgres]:
    """A Postgres of these tests' own, which one of them stops and starts. Its folder is
    outside pytest's: pytest closes its own folders to other users again when it makes a
    new one, and Postgres runs as its own user when the tests run as root."""
    with tempfile.TemporaryDirectory(prefix="scls-faults-") as folder:
        server = EmbeddedPostgres(Path(folder), port=free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()


async def _fresh_database(postgres: EmbeddedPostgres) -> str:
    name = f"faults_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres.dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(postgres.dsn, name)


async def run(postgres: EmbeddedPostgres, folder: Path, faults: Faults | None) -> Record:
    async with asyncio.timeout(TEST_TIMEOUT):
        async with Stack(folder, postgres, await _fresh_database(postgres)) as stack:
            return await run_scenario(stack, faults)


def failed_appends(folder: Path) -> int:
    """Append attempts the worker saw fail (and Temporal retried), from its log."""
    log = (folder / "worker.log").read_text(errors="replace")
    return sum(
        1
        for line in log.splitlines()
        if "Completing activity as failed" in line and "append_events" in line
    )


@pytest.fixture(scope="module")
async def undisturbed(
    postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Record:
    record = await run(postgres, tmp_path_factory.mktemp("undisturbed"), None)
    # The scenario does what it says: every participant reached the Institute, fell
    # overdue there, had two progress reviews opened, the first missed opened a case,
    # and the cohort heard of it.
    for participant_id, events in record.participants.items():
        types = [event_type for _, event_type, _ in events]
        assert types.count("PhaseStarted") == 2, (participant_id, types)
        assert types.count("TaskEscalated") >= 2 and types.count("InterventionOpened") == 1
        rag = [data["status"] for _, event_type, data in events if event_type == "RagChanged"]
        assert rag == ["amber", "red"], types
        assert sum(1 for _, t, d in events if t == "TaskOpened" and "progress" in d["task_id"]) == 2
        assert record.progress[participant_id] == ("summer_institute", "red", "active")
        [(_, opened, _)] = record.cases[f"intervention-{participant_id}-1"]
        assert opened == "CaseFileOpened"
    return record


def at_random_instants(count: int, action: Callable[[Stack, random.Random], object]) -> Faults:
    """Faults: `action` `count` times, at random instants spread before the deadline."""

    async def faults(stack: Stack, deadline: float) -> None:
        seed = random.randrange(2**32)
        print(f"fault seed {seed}")
        rng = random.Random(seed)
        began = time.monotonic()
        # At least a second and a half apart, so each fault meets a running system.
        slots = (deadline - began) / count
        for number in range(count):
            instant = began + number * slots + rng.uniform(0, max(slots - 1.5, 0.1))
            await asyncio.sleep(max(instant - time.monotonic(), 0))
            outcome = action(stack, rng)
            if asyncio.iscoroutine(outcome):
                await outcome

    return faults


def kill_and_restart_the_worker(stack: Stack, _: random.Random) -> None:
    stack.worker.kill()
    stack.worker.start()


async def stop_and_start_postgres(stack: Stack, rng: random.Random) -> None:
    """Postgres down for a random half-second to two seconds, and on until an append has
    failed on it (at most OUTAGE_MEETS_AN_APPEND_WITHIN): appends come in bursts, and an
    outage that fell between two bursts would test nothing."""
    failed_before = failed_appends(stack.folder)
    await asyncio.to_thread(stack.postgres.stop)
    await asyncio.sleep(rng.uniform(0.5, 2.0))
    for _ in range(int(OUTAGE_MEETS_AN_APPEND_WITHIN / 0.1)):
        if failed_appends(stack.folder) > failed_before:
            break
        await asyncio.sleep(0.1)
    await asyncio.to_thread(stack.postgres.start)


async def stop_and_start_temporal(stack: Stack, rng: random.Random) -> None:
    await asyncio.to_thread(stack.temporal.stop)
    await asyncio.sleep(rng.uniform(0.5, 2.0))
    await stack.temporal.start()


async def test_a_worker_killed_again_and_again_loses_and_doubles_nothing(
    postgres: EmbeddedPostgres, tmp_path: Path, undisturbed: Record
) -> None:
    kills: list[int] = []

    def kill(stack: Stack, rng: random.Random) -> None:
        kill_and_restart_the_worker(stack, rng)
        kills.append(stack.worker.kills)

    record = await run(postgres, tmp_path, at_random_instants(WORKER_KILLS, kill))
    assert kills == list(range(1, WORKER_KILLS + 1))
    assert record == undisturbed, differences(record, undisturbed)


async def test_postgres_restarted_during_appends_loses_and_doubles_nothing(
    postgres: EmbeddedPostgres, tmp_path: Path, undisturbed: Record
) -> None:
    record = await run(
        postgres, tmp_path, at_random_instants(POSTGRES_RESTARTS, stop_and_start_postgres)
    )
    # The outages met appends on their way: the record is whole all the same.
    failed = failed_appends(tmp_path)
    print(f"append attempts failed and retried: {failed}")
    assert failed >= POSTGRES_RESTARTS
    assert record == undisturbed, differences(record, undisturbed)


async def test_temporal_restarted_on_its_sqlite_file_loses_and_doubles_nothing(
    postgres: EmbeddedPostgres, tmp_path: Path, undisturbed: Record
) -> None:
    record = await run(
        postgres, tmp_path, at_random_instants(TEMPORAL_RESTARTS, stop_and_start_temporal)
    )
    assert record == undisturbed, differences(record, undisturbed)
