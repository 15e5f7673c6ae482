"""Shared by the tests of what ops read about a cohort: the command line's environment
for reads, its JSON, and participants on a break in learning or moved to a new home,
recorded through the real projections."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from domain.intervention.outcomes import ConcernKind, Severity
from domain.participant.events import BreakStarted, HomeChanged, InterventionOpened, RagChanged
from domain.rag import RagStatus
from tests.cli import free_port, run_cli_async, stack_env
from tests.domain.domain_builders import PROGRAMME_START
from tests.inbox.inbox_builders import Recorder

COHORT = "C-north-2027"


def reads_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The command line on this database; no Temporal listens (the reads need none)."""
    return stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
    )


async def cli_json(env: dict[str, str], *args: str) -> Any:
    done = await run_cli_async(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def on_a_break(pool: asyncpg.Pool, participant_id: str) -> Recorder:
    """At the Institute, turned amber, then a break in learning agreed."""
    participant = Recorder(pool, participant_id)
    await participant.at_institute(COHORT)
    at = PROGRAMME_START + timedelta(days=2)
    await participant.record(
        [
            RagChanged(status=RagStatus.AMBER, reason="struggling", changed_at=at),
            BreakStarted(case_number=1, starts_at=at, returns_at=at + timedelta(weeks=6)),
        ]
    )
    return participant


async def moved_home(pool: asyncpg.Pool, participant_id: str) -> Recorder:
    """At the Institute in H-1, then moved to H-2, with its manager P-rm-2 and mentor
    P-mentor-2, after a placement breakdown."""
    participant = Recorder(pool, participant_id)
    await participant.at_institute(COHORT)
    at = PROGRAMME_START + timedelta(days=3)
    await participant.record(
        [
            InterventionOpened(
                case_number=1,
                kind=ConcernKind.PLACEMENT_BREAKDOWN,
                severity=Severity.HIGH,
                assignee="P-devlead-1",
                review_task_id="intervention.1.review",
                opened_at=at,
            ),
            HomeChanged(
                case_number=1,
                from_home="H-1",
                to_home="H-2",
                registered_manager="P-rm-2",
                employer_mentor="P-mentor-2",
                changed_at=at,
            ),
        ]
    )
    return participant
