"""Benchmark: each hot path of the engine beside its bare floor, in one run, as ratios.

One embedded Postgres and one Temporal dev server, started here; every figure is taken
beside its floor in the same run (the machine is shared: only the ratios mean much):

- decision: the `decide` Update's return, and the task's inbox row gone, against a
  trivial Update on a trivial workflow (p50 and p99); the return also against a trivial
  Update that returns once one trivial activity has run, the floor of any answer that is
  on record before it returns, with the server's steps of each side by side;
- append: the event store's append of a participant's batch (events and projections),
  one writer and eight, against a plain INSERT and a COPY of the same rows;
- cohort start: participants enrolled a second against trivial one-activity workflows;
- memory: worker RSS per cached participant against a trivial cached workflow;
- inbox: one assignee's inbox query against a plain SELECT of the same table;
- CLI start-up: `scls --help` and `scls tasks list` against `python -c pass`;
- history: events in each run of a two-year participant (the recorded histories).

It prints a table and writes the figures as JSON (--out), so two runs can be compared.

    python -m bench floors [--decisions 60] [--batches 300] [--cached 150] [--out F]
                           [--only append|decision|cohort|inbox|cli|memory ...]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from bench import update_profile
from bench.inbox import scratch_database
from bench.trivial import Idle, OneActivity, nothing
from contracts.event_log import EventMetadata, NewEvent
from contracts.search_attributes import SEARCH_ATTRIBUTES
from domain.cohort.decide import CohortDefinition, ParticipantEnrolmentInput, enrolments
from domain.ids import cohort_workflow_id, participant_workflow_id
from domain.participant.commands import DecideTask
from domain.participant.decide import decide
from domain.participant.evolve import evolve
from domain.participant.state import initial_state
from domain.programme.tasks import Outcome
from scls.payload_codec import data_converter
from scls.payload_keys import parse_keyring
from scls.stack.ports import free_port
from scls.stack.temporal_dev import find_temporal_binary
from store.events import append
from store.inbox import open_tasks
from store.migrate import migrate
from store.pool import open_pool
from store.read_models import PROJECTIONS
from worker import build_worker
from workflows.cohort import CohortRun, CohortWorkflow
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

PARTS = ("append", "decision", "cohort", "inbox", "cli", "memory")
HISTORIES = Path(__file__).parents[1] / "tests" / "replay" / "histories"
FIRST_TASK = "pre_start_checks"


@dataclass
class Figure:
    """One path beside its floor; `ratio` is how many times worse the path is."""

    name: str
    unit: str
    path: float
    floor: float
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        if self.higher_is_better:
            return self.floor / self.path
        return self.path / self.floor


def cohort(size: int) -> CohortDefinition:
    """A made-up cohort of about `size` (two to a home, so even) starting in four weeks;
    one person stands in every supporting role of a home, and ops-1 leads it."""
    cohort_id = f"F{uuid.uuid4().hex[:6]}"
    return CohortDefinition(
        cohort_id=cohort_id,
        hub="Bench",
        start_date=datetime.now(UTC) + timedelta(weeks=4),
        ops_lead="ops-1",
        institute_lead="institute-1",
        participants=tuple(
            ParticipantEnrolmentInput(
                participant_id=f"{cohort_id}-{n:04d}",
                home_id=f"{cohort_id}-home-{n // 2}",
                **dict.fromkeys(_SUPPORT, f"{cohort_id}-staff-{n // 2}"),
            )
            for n in range(size + size % 2)
        ),
    )


async def start_participants(
    client: Client, queue: str, definition: CohortDefinition
) -> list[WorkflowHandle[Any, Any]]:
    """The cohort's participant workflows, started on `queue` without their cohort's."""
    return [
        await client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(enrolment.participant_id),
            task_queue=queue,
        )
        for enrolment in enrolments(definition)
    ]


_SUPPORT = ("registered_manager", "employer_mentor", "development_lead", "coach", "assessor")


def _ms(seconds: Sequence[float], quantile: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000


# --- decision round trip ---------------------------------------------------------------


async def _row_gone(pool: asyncpg.Pool, participant_id: str, started: float) -> float:
    async with pool.acquire() as connection:
        while True:
            if not await connection.fetchval(
                "SELECT 1 FROM task_inbox WHERE participant_id = $1 AND task_id = $2",
                participant_id,
                FIRST_TASK,
            ):
                return time.perf_counter() - started
            await asyncio.sleep(0.0005)


async def decisions(
    client: Client, pool: asyncpg.Pool, queue: str, count: int
) -> tuple[list[Figure], dict[str, dict[str, float]]]:
    """The figures, and where the time of a decision and of its floor went on the server
    (`update_profile`).

    A decision's return is timed on one participant and its inbox row's going on another:
    the watch polls Postgres every half millisecond from this process, where the worker
    runs too, and would slow the Update it timed."""
    definition = cohort(2 * count + 4)
    handles = await start_participants(client, queue, definition)
    await _until(lambda: _open_count(pool, definition.cohort_id), len(handles))
    idle, on_record_idle = [
        await client.start_workflow(
            Idle.run, id=f"idle-{uuid.uuid4()}", task_queue=f"{queue}-floor"
        )
        for _ in range(2)
    ]
    decision = TaskDecision(task_id=FIRST_TASK, decided_by="ops-1", outcome=Outcome.APPROVE)
    updates, gone, floor, on_record = [], [], [], []
    for number, (timed, watched) in enumerate(zip(handles[0::2], handles[1::2], strict=True)):
        started = time.perf_counter()
        await idle.execute_update(Idle.echo, "approve")
        floor_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await on_record_idle.execute_update(Idle.echo_after_activity, "approve")
        on_record_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await timed.execute_update(ParticipantWorkflow.decide, decision)
        update_seconds = time.perf_counter() - started
        started = time.perf_counter()
        watching = asyncio.create_task(
            _row_gone(pool, watched.id.removeprefix("participant-"), started)
        )
        await watched.execute_update(ParticipantWorkflow.decide, decision)
        row_seconds = await watching
        if number >= 2:  # the first few warm the caches
            updates.append(update_seconds)
            gone.append(row_seconds)
            floor.append(floor_seconds)
            on_record.append(on_record_seconds)
    for workflow in (idle, on_record_idle):
        await workflow.signal(Idle.finish)
    figures = []
    for quantile, label in ((0.5, "p50"), (0.99, "p99")):
        figures.append(
            Figure(
                f"decide Update returns, {label}",
                "ms",
                _ms(updates, quantile),
                _ms(floor, quantile),
            )
        )
        figures.append(
            Figure(
                f"decide Update returns, {label}, vs one awaiting an activity",
                "ms",
                _ms(updates, quantile),
                _ms(on_record, quantile),
            )
        )
        figures.append(
            Figure(
                f"decided task's inbox row gone, {label}",
                "ms",
                _ms(gone, quantile),
                _ms(floor, quantile),
            )
        )
    decide_steps = await update_profile.step_times(handles[4::2])
    floor_steps = await update_profile.step_times([on_record_idle])
    steps = {
        f"{side} {label}": {step: _ms(times, quantile) for step, times in timings.items()}
        for quantile, label in ((0.5, "p50"), (0.99, "p99"))
        for side, timings in (("decide", decide_steps), ("floor", floor_steps))
    }
    return figures, steps


async def _open_count(pool: asyncpg.Pool, cohort_id: str) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM task_inbox WHERE cohort_id = $1 AND task_id = $2",
        cohort_id,
        FIRST_TASK,
    )
    return count


async def _until(probe: Callable[[], Awaitable[int]], target: int, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while await probe() < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting after {limit:.0f} s")
        await asyncio.sleep(0.01)


# --- append ------------------------------------------------------------------------------


def _batches(streams: int) -> list[tuple[str, int, list[NewEvent]]]:
    """Each participant's enrolment, then the answer to their first task: two batches a
    stream, as a participant's workflow appends them."""
    now = datetime.now(UTC)
    batches = []
    for enrolment in enrolments(cohort(streams)):
        stream = participant_workflow_id(enrolment.participant_id)
        state = initial_state(enrolment.participant_id)
        answer = DecideTask(task_id=FIRST_TASK, decided_by="ops-1", outcome=Outcome.APPROVE)
        for command in (enrolment, answer):
            events = decide(state, command, now)
            metadata = EventMetadata(actor="ops-1", workflow_id=stream)
            batches.append(
                (stream, state.version, [NewEvent.of(e, metadata, uuid.uuid4()) for e in events])
            )
            for event in events:
                state = evolve(state, event)
    return batches


Batch = tuple[str, int, list[NewEvent]]

_PLAIN_INSERT = """
    INSERT INTO floor_events (stream, version, event_id, type, data, metadata)
    SELECT $1, $2 + n, e.event_id, e.type, e.data, e.metadata
    FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])
         WITH ORDINALITY AS e(event_id, type, data, metadata, n)
"""


def _columns(batch: Batch) -> tuple[object, ...]:
    stream, version, events = batch
    return (
        stream,
        version,
        [e.event_id for e in events],
        [e.type for e in events],
        [e.data for e in events],
        [e.metadata.model_dump(mode="json") for e in events],
    )


async def _project_append(pool: asyncpg.Pool, batch: Batch) -> None:
    await append(pool, PROJECTIONS, batch[0], batch[1], batch[2])


async def _plain_insert(pool: asyncpg.Pool, batch: Batch) -> None:
    await pool.execute(_PLAIN_INSERT, *_columns(batch))


async def _copy(pool: asyncpg.Pool, batch: Batch) -> None:
    stream, version, events = batch
    records = [
        (
            stream,
            version + n,
            e.event_id,
            e.type,
            json.dumps(e.data),
            json.dumps(e.metadata.model_dump(mode="json")),
        )
        for n, e in enumerate(events, start=1)
    ]
    async with pool.acquire() as connection:
        await connection.copy_records_to_table(
            "floor_events",
            records=records,
            columns=["stream", "version", "event_id", "type", "data", "metadata"],
        )


async def _throughput(
    pool: asyncpg.Pool,
    write: Callable[[asyncpg.Pool, Batch], Awaitable[None]],
    batches: list[Batch],
    writers: int,
) -> tuple[float, float]:
    """(events a second, median ms a batch) with `writers` writing streams side by side;
    a stream's batches stay in order on one writer."""
    streams: dict[str, list[Batch]] = {}
    for batch in batches:
        streams.setdefault(batch[0], []).append(batch)
    lanes: list[list[Batch]] = [[] for _ in range(writers)]
    for number, stream_batches in enumerate(streams.values()):
        lanes[number % writers].extend(stream_batches)
    timings: list[float] = []

    async def lane(own: list[Batch]) -> None:
        for batch in own:
            started = time.perf_counter()
            await write(pool, batch)
            timings.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(lane(own) for own in lanes))
    elapsed = time.perf_counter() - started
    events = sum(len(batch[2]) for batch in batches)
    return events / elapsed, statistics.median(timings) * 1000


async def appends(pool: asyncpg.Pool, raw: asyncpg.Pool, streams: int) -> list[Figure]:
    """`raw`: a pool with asyncpg's own JSON codec, which COPY's binary format needs."""
    await pool.execute(
        "CREATE TABLE floor_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES "
        "INCLUDING IDENTITY)"
    )
    figures = []
    for writers in (1, 8):
        results = {}
        for name, write, on in (
            ("append", _project_append, pool),
            ("insert", _plain_insert, pool),
            ("copy", _copy, raw),
        ):
            results[name] = await _throughput(on, write, _batches(streams), writers)
        per_batch = statistics.mean(len(b[2]) for b in _batches(streams))
        if writers == 1:
            figures.append(
                Figure(
                    f"append a batch ({per_batch:.1f} events), 1 writer, vs INSERT",
                    "ms",
                    results["append"][1],
                    results["insert"][1],
                )
            )
        for floor in ("insert", "copy"):
            figures.append(
                Figure(
                    f"append, {writers} writer{'s' * (writers > 1)}, vs {floor.upper()}",
                    "events/s",
                    results["append"][0],
                    results[floor][0],
                    higher_is_better=True,
                )
            )
    return figures


# --- cohort start, inbox, memory, CLI, history ----------------------------------------------


async def cohort_start(client: Client, pool: asyncpg.Pool, queue: str, size: int) -> Figure:
    definition = cohort(size)
    started = time.perf_counter()
    await client.start_workflow(
        CohortWorkflow.run,
        CohortRun(definition=definition),
        id=cohort_workflow_id(definition.cohort_id),
        task_queue=queue,
    )
    await _until(lambda: _open_count(pool, definition.cohort_id), size)
    project = size / (time.perf_counter() - started)
    started = time.perf_counter()
    await asyncio.gather(
        *(
            client.execute_workflow(
                OneActivity.run,
                "enrol",
                id=f"one-activity-{uuid.uuid4()}",
                task_queue=f"{queue}-floor",
            )
            for _ in range(size)
        )
    )
    floor = size / (time.perf_counter() - started)
    return Figure(f"cohort of {size} started", "participants/s", project, floor, True)


async def inbox(pool: asyncpg.Pool, repeats: int = 200) -> Figure:
    assignee = "ops-1"
    project, floor = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        await open_tasks(pool, assignee=assignee)
        project.append(time.perf_counter() - started)
        started = time.perf_counter()
        await pool.fetch(
            "SELECT * FROM task_inbox WHERE assignee = $1 ORDER BY due_at LIMIT 200", assignee
        )
        floor.append(time.perf_counter() - started)
    return Figure("one assignee's inbox, p50", "ms", _ms(project, 0.5), _ms(floor, 0.5))


def memory(address: str, keys: str, dsn: str, cached: int) -> Figure:
    """Each kind in a worker process of its own: RSS grown per workflow held in its cache."""
    per_workflow = {}
    for kind in ("participant", "trivial"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.cached_memory", kind, str(cached), address, dsn],
            env={**os.environ, "SCLS_PAYLOAD_KEYS": keys},
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        per_workflow[kind] = json.loads(out.stdout.strip().splitlines()[-1])["kb_per_workflow"]
    return Figure(
        f"worker RSS per cached workflow ({cached})",
        "KB",
        per_workflow["participant"],
        per_workflow["trivial"],
    )


def _median_run(command: list[str], env: dict[str, str], repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def cli_start(address: str, keys: str, dsn: str) -> list[Figure]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCLS_")}
    env.update(SCLS_TEMPORAL_ADDRESS=address, SCLS_PAYLOAD_KEYS=keys, SCLS_DATABASE_URL=dsn)
    scls = [sys.executable, "-m", "scls.cli"]
    floor = _median_run([sys.executable, "-c", "pass"], env)
    return [
        Figure("`scls --help`", "ms", _median_run([*scls, "--help"], env), floor),
        Figure("`scls tasks list`", "ms", _median_run([*scls, "tasks", "list"], env), floor),
    ]


def history_lengths(version: str = "2026.2") -> dict[str, int]:
    """Events in each recorded run of a participant's two years (tests/replay/histories)."""
    lengths = {}
    for path in sorted(HISTORIES.glob(f"participant-{version}--*-complete.json")):
        lengths[path.stem.split("--", 1)[1]] = len(json.loads(path.read_text())["events"])
    return lengths


# --- the run -----------------------------------------------------------------------------


def _print(
    figures: list[Figure], steps: dict[str, dict[str, float]], histories: dict[str, int]
) -> None:
    print(f"{'path':<58} {'unit':>14} {'path':>10} {'floor':>10} {'ratio':>6}")
    for figure in figures:
        print(
            f"{figure.name:<58} {figure.unit:>14} {figure.path:>10.1f} {figure.floor:>10.1f} "
            f"{figure.ratio:>6.2f}"
        )
    if steps:
        print(
            "a decision on the server beside an Update awaiting one activity, "
            "ms of each step (event times):"
        )
        print(f"  {'step':<62}" + "".join(f"{column:>11}" for column in steps))
        names = dict.fromkeys(name for column in steps.values() for name in column)
        for step in sorted(names, key=lambda name: name == "total"):  # the total last
            cells = (column.get(step) for column in steps.values())
            print(
                f"  {step:<62}"
                + "".join(f"{'-' if cell is None else f'{cell:.1f}':>11}" for cell in cells)
            )
    print("events in each run of a two-year participant (recorded histories):")
    for run, length in histories.items():
        print(f"  {run:<56} {length:>6}")


async def run(arguments: argparse.Namespace) -> int:
    keys = "current=bench,bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    converter = data_converter(parse_keyring(keys, "the benchmark"))
    folder = tempfile.TemporaryDirectory(prefix="scls-bench-floors-")
    async with scratch_database(arguments.url) as dsn:
        await migrate(dsn)
        pool = await open_pool(dsn, max_size=12)
        raw = await asyncpg.create_pool(dsn, min_size=1, max_size=8)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(find_temporal_binary()),
            data_converter=converter,
            search_attributes=SEARCH_ATTRIBUTES,
            port=free_port(),
            ui=False,
            # As `scls dev` runs it: persisted to a SQLite file, which sets the pace.
            dev_server_extra_args=["--db-filename", f"{folder.name}/temporal.sqlite"],
        )
        address = env.client.service_client.config.target_host
        queue = f"floors-{uuid.uuid4().hex[:8]}"
        figures: list[Figure] = []
        decide_steps: dict[str, dict[str, float]] = {}
        wanted = set(arguments.only or PARTS)
        try:
            if "append" in wanted:
                figures += await appends(pool, raw, arguments.batches // 2)
            trivial = Worker(
                env.client,
                task_queue=f"{queue}-floor",
                workflows=[Idle, OneActivity],
                activities=[nothing],
            )
            # One worker process: the floors are polled beside the engine's workflows.
            async with build_worker(env.client, pool, queue), trivial:
                if wanted & {"decision", "inbox"}:
                    decided, decide_steps = await decisions(
                        env.client, pool, queue, arguments.decisions
                    )
                    figures += decided
                if "cohort" in wanted:
                    figures.append(await cohort_start(env.client, pool, queue, 30))
            if "inbox" in wanted:
                figures.append(await inbox(pool))
            if "cli" in wanted:
                figures += cli_start(address, keys, dsn)
            if "memory" in wanted:
                figures.append(memory(address, keys, dsn, arguments.cached))
        finally:
            await env.shutdown()
            await raw.close()
            await pool.close()
            folder.cleanup()
    histories = history_lengths()
    _print(figures, decide_steps, histories)
    Path(arguments.out).write_text(  # noqa: ASYNC240 - the run is over
        json.dumps(
            {
                "taken_at": datetime.now(UTC).isoformat(),
                "figures": [asdict(f) | {"ratio": round(f.ratio, 3)} for f in figures],
                "decide_steps_ms": decide_steps,
                "history_lengths": histories,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"figures written to {arguments.out}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench floors", description=__doc__)
    parser.add_argument("--decisions", type=int, default=60, help="decisions timed")
    parser.add_argument("--batches", type=int, default=300, help="batches appended a round")
    parser.add_argument("--cached", type=int, default=150, help="workflows held, per kind")
    parser.add_argument("--url", default=os.environ.get("SCLS_DATABASE_URL"))
    parser.add_argument("--out", default="bench-floors.json", help="the figures as JSON")
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="only this part (repeatable)"
    )
    return asyncio.run(run(parser.parse_args(argv)))
