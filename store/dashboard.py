"""Reads for the ops dashboard: counts across every cohort from the read models, in a
few grouped queries rather than one state per participant, and the intervention cases
still open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from domain.cohort.headcount import Headcount
from domain.cohort.state import CohortState
from store import rules_in_sql as rule
from store.cohorts import headcounts
from store.pool import Connection


@dataclass
class CohortCounts:
    cohort_id: str
    headcount: Headcount = field(default_factory=Headcount)
    open_tasks: int = 0
    overdue_tasks: int = 0
    open_interventions: int = 0


# An intervention case is open until its case file closes (intervention_case.stage).
_OPEN_CASE = "stage <> 'closed'"


async def cohort_counts(pool: asyncpg.Pool | Connection, now: datetime) -> dict[str, CohortCounts]:
    """Every cohort with participants on record, by cohort id; tasks overdue at `now`."""
    counts = {
        cohort_id: CohortCounts(cohort_id, counted)
        for cohort_id, counted in (await headcounts(pool)).items()
    }
    for row in await pool.fetch(
        "SELECT cohort_id, count(*) AS open, "
        f"count(*) FILTER (WHERE {rule.overdue('due_at', '$1')}) AS overdue "
        "FROM task_inbox GROUP BY cohort_id",
        now,
    ):
        cohort = counts.setdefault(row["cohort_id"], CohortCounts(row["cohort_id"]))
        cohort.open_tasks, cohort.overdue_tasks = row["open"], row["overdue"]
    for row in await pool.fetch(
        f"SELECT cohort_id, count(*) AS n FROM intervention_case WHERE {_OPEN_CASE} "
        "GROUP BY cohort_id"
    ):
        cohort = counts.setdefault(row["cohort_id"], CohortCounts(row["cohort_id"]))
        cohort.open_interventions = row["n"]
    return counts


@dataclass(frozen=True)
class OpenCase:
    participant_id: str
    name: str
    cohort_id: str
    case_number: int
    kind: str
    severity: str
    stage: str
    opened_at: datetime


async def open_cases(pool: asyncpg.Pool | Connection) -> list[OpenCase]:
    """Every intervention case not yet closed, the oldest first."""
    rows = await pool.fetch(
        f"""
        SELECT c.participant_id, coalesce(person.display_name, c.participant_id) AS name,
               c.cohort_id, c.case_number, c.kind, c.severity, c.stage, c.opened_at
        FROM intervention_case c
        LEFT JOIN people person ON person.person_id = c.participant_id
        WHERE c.{_OPEN_CASE}
        ORDER BY c.opened_at, c.participant_id
        """
    )
    return [OpenCase(**dict(row)) for row in rows]


async def cohort_states(pool: asyncpg.Pool | Connection) -> dict[str, CohortState]:
    """Each cohort's own stream, folded (hub, start, conference schedule)."""
    rows = await pool.fetch("SELECT cohort_id, state FROM cohort_summary ORDER BY cohort_id")
    return {row["cohort_id"]: CohortState.model_validate(row["state"]) for row in rows}


@dataclass(frozen=True)
class ParticipantRow:
    participant_id: str
    name: str
    home_id: str | None
    phase: str | None
    status: str
    rag: str
    next_due: datetime | None
    open_tasks: int
    overdue_tasks: int
    suspended: bool
    open_case: int | None  # the number of their intervention case still open


async def cohort_participants(
    pool: asyncpg.Pool | Connection, cohort_id: str, now: datetime
) -> list[ParticipantRow]:
    """The cohort's participants by name; tasks overdue at `now`."""
    rows = await pool.fetch(
        f"""
        SELECT p.participant_id, coalesce(person.display_name, p.participant_id) AS name,
               p.home_id, p.phase, p.status, p.rag,
               p.next_due, coalesce(t.open, 0) AS open_tasks,
               coalesce(t.overdue, 0) AS overdue_tasks,
               coalesce((p.state->>'suspended')::boolean, false) AS suspended,
               c.case_number AS open_case
        FROM participant_progress p
        LEFT JOIN people person ON person.person_id = p.participant_id
        LEFT JOIN (
            SELECT participant_id, count(*) AS open,
                   count(*) FILTER (WHERE {rule.overdue("due_at", "$2")}) AS overdue
            FROM task_inbox WHERE cohort_id = $1 GROUP BY participant_id
        ) t ON t.participant_id = p.participant_id
        LEFT JOIN intervention_case c
               ON c.participant_id = p.participant_id AND c.{_OPEN_CASE}
        WHERE p.cohort_id = $1
        ORDER BY name, p.participant_id
        """,
        cohort_id,
        now,
    )
    return [ParticipantRow(**dict(row)) for row in rows]
