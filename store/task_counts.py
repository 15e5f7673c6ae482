"""Open and overdue tasks by kind, across every participant: what the metrics report.

One grouped count over `task_inbox` at the instant given; whether a task is overdue is the
domain's rule as store/rules_in_sql.py states it for SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from store import rules_in_sql as rule
from store.pool import Connection


@dataclass(frozen=True)
class TaskCount:
    kind: str
    open: int
    overdue: int


async def task_counts(pool: asyncpg.Pool | Connection, now: datetime) -> list[TaskCount]:
    """Every task kind with an open task, in kind order."""
    rows = await pool.fetch(
        "SELECT kind, count(*) AS open, "
        f"count(*) FILTER (WHERE {rule.overdue('due_at', '$1')}) AS overdue "
        "FROM task_inbox GROUP BY kind ORDER BY kind",
        now,
    )
    return [TaskCount(kind=row["kind"], open=row["open"], overdue=row["overdue"]) for row in rows]
