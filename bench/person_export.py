"""Benchmark: a subject-access export (`scls person export`) of one participant with two
whole years on record, among many, and what forgetting one costs (the key, the copies,
and what the read models keep of their streams replayed from the log).

One participant's programme 2026.2 is run through the domain as the test builders answer
it (tests/domain/domain_builders.py: every task answered, evidence, reports, reviews and
feedback handed in), each feedback answer with a comment of some 250 characters; the
same record is then appended under --participants streams (fresh event
ids), through the real event store, sealing included, and its read models.

    python -m bench person-export [--participants 300] [-n 20] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.inbox import percentile, scratch_database
from contracts.event_log import NewEvent
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.state import initial_state
from scls.documents import FolderStore
from scls.person_export import export_zip
from store.erasure import deleting_from, forget_on
from store.events import append
from store.migrate import migrate
from store.person_record import person_record
from store.pool import open_pool
from store.read_models import PROJECTIONS

COMMENT = "We talked about the rota for the weekend, her confidence in supervision, and home. " * 3


def two_years() -> list[ParticipantEvent]:
    """One participant's whole programme (the test builders live in tests/, not in the
    engine: a benchmark borrows them rather than restating them)."""
    from tests.domain.domain_builders import (
        PROGRAMME_START,
        applied,
        enrol_command,
        run_programme,
    )

    state = initial_state("P-bench")
    enrolled_at = PROGRAMME_START - timedelta(weeks=6)
    first = decide(state, enrol_command("P-bench", "2026.2"), enrolled_at)
    _, rest = run_programme(applied(state, first), enrolled_at)
    return [*first, *rest]


def as_written(events: list[ParticipantEvent], participant_id: str) -> list[NewEvent]:
    written = []
    for event in events:
        envelope = NewEvent.of(event)
        data = dict(envelope.data)
        if "participant_id" in data:
            data["participant_id"] = participant_id
        if data.get("type") == "FeedbackGiven":
            data["comment"] = COMMENT  # free text in every answer, as people write
        written.append(envelope.model_copy(update={"data": data, "event_id": uuid.uuid4()}))
    return written


async def run(arguments: argparse.Namespace) -> int:
    record = two_years()
    url = arguments.url or os.environ.get("SCLS_DATABASE_URL")
    async with scratch_database(url) as dsn:
        await migrate(dsn)
        pool = await open_pool(dsn, min_size=1, max_size=2)
        try:
            started = time.perf_counter()
            for n in range(arguments.participants):
                pid = f"P-{n:04d}"
                await append(pool, PROJECTIONS, f"participant-{pid}", 0, as_written(record, pid))
            filled = time.perf_counter() - started
            await pool.execute("ANALYZE")
            total = await pool.fetchval("SELECT count(*) FROM events")
            with tempfile.TemporaryDirectory() as folder:
                documents = FolderStore(Path(folder))
                timings, size = [], 0
                for n in range(arguments.n):
                    began = time.perf_counter()
                    found = await person_record(pool, f"P-{n % arguments.participants:04d}")
                    assert found is not None
                    size = len(await export_zip(found, documents, "now"))
                    timings.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                async with pool.acquire() as connection:
                    await forget_on(
                        connection,
                        PROJECTIONS,
                        "P-0000",
                        reason="bench",
                        by="ops",
                        at=datetime.now(UTC),
                        delete_documents=deleting_from(documents),
                    )
                forgetting = time.perf_counter() - began
        finally:
            await pool.close()
    print(
        f"{arguments.participants} participants x {len(record)} events ({total} in the log); "
        f"appended in {filled:.1f} s ({filled / total * 1e6:.0f} us an event, sealing included)"
    )
    print(
        f"export of one participant ({size // 1024} KiB ZIP): median "
        f"{statistics.median(timings):.0f} ms   p95 {percentile(timings, 0.95):.0f} ms   "
        f"max {max(timings):.0f} ms"
    )
    print(
        f"forget one participant (key, copies, their streams replayed into the read models): "
        f"{forgetting * 1000:.0f} ms"
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench person-export", description=__doc__)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("-n", type=int, default=20, help="exports to time")
    parser.add_argument("--url", help="a Postgres server to create a scratch database on")
    return asyncio.run(run(parser.parse_args(argv)))
