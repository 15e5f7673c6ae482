"""Benchmark: the web console's My tasks, cohort dashboard and participant pages with
1,000 participants.

Fills a scratch database through the real event store and projections: each participant
enrolled, their pre-start checks signed, the timetable run to now (so every cohort has
participants spread over the first phases, with open and overdue tasks), one in
CONCERN_EVERY with a concern reported and its intervention case on file, and the people
directory. Then serves the console with uvicorn on a free port and times whole HTTP
requests (rendering included) for a Registered Manager's My tasks, an ops person's
"everyone's tasks" (200 rows), the dashboard and the page of a participant with an open
intervention. Prints median and 95th percentile.

    python -m bench web [--participants 1000] [-n 200] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from bench.inbox import percentile, scratch_database
from contracts.event_log import EventMetadata, NewEvent
from domain.intervention.case import CaseEvent, CaseFileOpened
from domain.intervention.outcomes import ConcernKind, Severity
from domain.participant.commands import DecideTask, Enrol, RaiseConcern
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import evolve
from domain.participant.state import initial_state
from domain.participant.timeline import due
from domain.people import Directory, Person
from domain.roles import Role
from domain.support import SupportArrangements
from scls.settings import load_settings
from scls.stack.ports import free_port
from scls.web.app import create_app
from scls.web.server import serve
from scls.web.services import WebServices
from store import rules_in_sql as rule
from store.directory import load_directory
from store.events import append
from store.migrate import migrate
from store.pool import open_pool
from store.read_models import PROJECTIONS
from store.web_accounts import set_password

TARGET_MS = 100.0
PASSWORD = "bench password"
COHORT_SIZE = 30
CONCERN_EVERY = 20  # participants with an intervention open


def _person(person_id: str, role: Role) -> Person:
    return Person(
        person_id=person_id,
        display_name=person_id.replace("-", " ").title(),
        email=f"{person_id}@bench.test",
        roles=frozenset({role}),
    )


async def fill(pool: asyncpg.Pool, participants: int, seed: int) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    people = [_person("ops-1", Role.OPS), _person("institute-1", Role.INSTITUTE_LEAD)]
    homes = max(1, participants // 2)
    for home in range(homes):
        people += [_person(f"rm-{home}", Role.REGISTERED_MANAGER)]
        people += [_person(f"mentor-{home}", Role.EMPLOYER_MENTOR)]
    for n in range(max(1, participants // 10)):
        people += [_person(f"dl-{n}", Role.DEVELOPMENT_LEAD), _person(f"coach-{n}", Role.COACH)]
    for n in range(max(1, participants // 6)):
        people.append(_person(f"assessor-{n}", Role.ASSESSOR))
    people += [_person(f"participant-{n:04d}", Role.PARTICIPANT) for n in range(participants)]
    await load_directory(pool, Directory(people=tuple(people)))

    for n in range(participants):
        pid = f"participant-{n:04d}"
        # Cohorts started up to 20 weeks ago (or start soon): participants are spread
        # over enrolment, the Summer Institute and the care placement.
        start = now - timedelta(weeks=rng.uniform(-2, 20))
        enrol = Enrol(
            participant_id=pid,
            cohort_id=f"C-{n // COHORT_SIZE:03d}",
            programme_version="2025.1",
            programme_start=start,
            home_id=f"H-{n // 2}",
            support=SupportArrangements(
                registered_manager=f"rm-{n // 2}",
                employer_mentor=f"mentor-{n // 2}",
                development_lead=f"dl-{n // 10}",
                coach=f"coach-{n // 10}",
                assessor=f"assessor-{n // 6}",
                institute_lead="institute-1",
                ops_lead="ops-1",
            ),
        )
        state = initial_state(pid)
        events = list(decide(state, enrol, start - timedelta(weeks=6)))
        for event in events:
            state = evolve(state, event)
        checks = DecideTask(task_id="pre_start_checks", decided_by="ops-1", outcome="approve")
        for event in decide(state, checks, start - timedelta(days=1)):
            state = evolve(state, event)
            events.append(event)
        for event in due(state, now):
            state = evolve(state, event)
            events.append(event)
        # The Institute lead signs its completion in its last week: those who started more
        # than seven weeks ago are on their care placement, with its Care Certificate
        # standards and the Registered Manager's placement review open.
        institute = state.tasks.get("institute_completion")
        signed_at = institute.due_at - timedelta(days=rng.uniform(0, 7)) if institute else now
        if institute is not None and institute.is_open and signed_at <= now:
            sign = DecideTask(
                task_id="institute_completion", decided_by="institute-1", outcome="approve"
            )
            for event in decide(state, sign, max(signed_at, institute.opened_at)):
                state = evolve(state, event)
                events.append(event)
            for event in due(state, now):
                state = evolve(state, event)
                events.append(event)
        case_file: list[CaseEvent] = []
        if n % CONCERN_EVERY == 0:
            concern = RaiseConcern(by=f"rm-{n // 2}", reason="bench: a concern")
            for event in decide(state, concern, now):
                state = evolve(state, event)
                events.append(event)
            case_file.append(
                CaseFileOpened(
                    participant_id=pid,
                    case_number=1,
                    cohort_id=enrol.cohort_id,
                    kind=ConcernKind.PLACEMENT_CONCERN,
                    severity=Severity.MEDIUM,
                    development_lead=f"dl-{n // 10}",
                    ops_lead="ops-1",
                    opened_at=now,
                )
            )
        for stream, stream_events in (
            (f"participant-{pid}", events),
            (f"intervention-{pid}-1", case_file),
        ):
            if stream_events:
                await _append(pool, stream, stream_events)
    await pool.execute("ANALYZE")


async def _append(
    pool: asyncpg.Pool, stream: str, events: Sequence[ParticipantEvent | CaseEvent]
) -> None:
    await append(
        pool,
        PROJECTIONS,
        stream,
        0,
        [NewEvent.of(e, EventMetadata(actor="bench")) for e in events],
    )


async def _timed(client: httpx.AsyncClient, path: str, n: int) -> list[float]:
    for _ in range(5):  # warm up
        (await client.get(path)).raise_for_status()
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return timings


async def _signed_in(url: str, login: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url)
    page = (await client.get("/sign-in")).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = await client.post(
        "/sign-in", data={"csrf_token": token, "login": login, "password": PASSWORD}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"could not sign in as {login}: {answer.status_code}")
    return client


async def run(arguments: argparse.Namespace) -> int:
    url = arguments.url or os.environ.get("SCLS_DATABASE_URL")
    async with scratch_database(url) as dsn:
        await migrate(dsn)
        pool = await open_pool(dsn, min_size=2, max_size=10)
        try:
            started_fill = time.perf_counter()
            await fill(pool, arguments.participants, arguments.seed)
            filled = time.perf_counter() - started_fill
            # The busiest Registered Manager signs in, and ops.
            manager = await pool.fetchval(
                "SELECT assignee FROM task_inbox WHERE role = 'registered_manager' "
                "GROUP BY assignee ORDER BY count(*) DESC, assignee LIMIT 1"
            )
            for who in (manager or "rm-0", "ops-1"):
                await set_password(pool, who, PASSWORD)
            counts = await pool.fetchrow(
                "SELECT (SELECT count(*) FROM participant_progress) AS participants,"
                " (SELECT count(*) FROM task_inbox) AS open,"
                f" (SELECT count(*) FROM task_inbox WHERE {rule.overdue('due_at', 'now()')})"
                " AS overdue,"
                " (SELECT count(*) FROM task_inbox WHERE assignee = $1) AS rm_tasks,"
                " (SELECT count(*) FROM intervention_case WHERE stage <> 'closed') AS cases,"
                " (SELECT min(participant_id) FROM intervention_case) AS with_case",
                manager,
            )
            assert counts is not None

            async def no_temporal():  # type: ignore[no-untyped-def]
                raise RuntimeError("the benchmark only reads")

            settings = load_settings()
            app = create_app(WebServices(pool=pool, settings=settings, connect=no_temporal), "b")
            port = free_port()
            stop, started = asyncio.Event(), asyncio.Event()
            serving = asyncio.create_task(serve(app, "127.0.0.1", port, stop, started))
            await started.wait()
            base = f"http://127.0.0.1:{port}"
            results: dict[str, list[float]] = {}
            try:
                rm = await _signed_in(base, manager or "rm-0")
                ops = await _signed_in(base, "ops-1")
                results["My tasks (a Registered Manager)"] = await _timed(rm, "/tasks", arguments.n)
                results["Everyone's tasks (ops, 200 rows)"] = await _timed(
                    ops, "/tasks?scope=all", arguments.n
                )
                results["Cohort dashboard (ops)"] = await _timed(ops, "/cohorts", arguments.n)
                results["A participant with a case (ops)"] = await _timed(
                    ops, f"/participants/{counts['with_case']}", arguments.n
                )
                await rm.aclose()
                await ops.aclose()
            finally:
                stop.set()
                await serving
        finally:
            await pool.close()
    print(
        f"web console: {counts['participants']} participants, {counts['open']} open tasks "
        f"({counts['overdue']} overdue), {counts['cases']} open interventions, "
        f"the Registered Manager holds {counts['rm_tasks']}; "
        f"filled in {filled:.1f} s; {arguments.n} HTTP requests per page over uvicorn"
    )
    worst = 0.0
    for page, timings in results.items():
        median = statistics.median(timings)
        worst = max(worst, median)
        print(f"  {page:<36} median {median:6.1f} ms   p95 {percentile(timings, 0.95):6.1f} ms")
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"  medians {verdict} the {TARGET_MS:g} ms target")
    return 0 if worst < TARGET_MS else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench web", description=__doc__)
    parser.add_argument("--participants", type=int, default=1_000)
    parser.add_argument("-n", type=int, default=200, help="requests to time per page")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--url", help="a Postgres server to create a scratch database on")
    return asyncio.run(run(parser.parse_args(argv)))
