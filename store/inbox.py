"""Read model: the task inbox, every participant's open tasks as managers' to-do lists.

`task_inbox` holds one row per open task and `task_delegation` every delegation granted on
a participant, both kept from the participant's folded state in the append transaction.
Nothing that depends on the clock is stored, because it would go stale between events:
whether a task is overdue, and who stands in for an assignee now, are worked out when the
inbox is read, by the domain's rules as store/rules_in_sql.py writes them in SQL.

The projector does not fold events itself. It runs after PARTICIPANT_PROGRESS in the same
transaction and copies the open tasks and delegations out of the state that projector has
just written, so the inbox and the progress read model come from one fold (and one
`evolve`) and cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict

from contracts.event_log import StoredEvent
from domain.ids import PARTICIPANT_PREFIX, key_of
from domain.participant.state import ParticipantState
from domain.programme.tasks import TaskKind, TaskStatus
from domain.rag import RagStatus
from domain.roles import Role
from store import rules_in_sql as rule
from store.folded_state import FoldedStateProjector
from store.pool import Connection

# Events that never change a participant's open tasks or delegations: a batch of only
# these leaves the inbox as it is. A list of what to skip, not of what to handle, so an
# event type added later is projected until someone decides it need not be.
_LEAVES_INBOX_ALONE = frozenset(
    {
        "TaskReminderDue",  # the inbox keeps no reminder count for this reason
        "DecisionRefused",
        "RagChanged",
        "OutplacementStarted",
        "OutplacementEnded",
        # The participant's work and review forms: tasks change only with the events
        # (TaskOpened, TaskDecided) that come with a hand-in or a last signature.
        "EvidenceAdded",
        "ReviewDrafted",
        "ReviewSentBack",
    }
)


class ProjectionOrderError(RuntimeError):
    """The inbox projector ran before the participant progress it reads was updated."""


# The rows come straight out of the state JSON participant_progress has just stored (the
# model_dump of ParticipantState): no second parse of the whole state in Python, which
# would cost as much again as the progress projector itself. One statement, one round
# trip: the open tasks and delegations in the state are upserted (a row that did not
# change is not rewritten), the rows no longer there deleted, and the progress row's
# version returned so the caller can check the order of projectors.
_FROM_STATE = """
    WITH progress AS (
        SELECT participant_id, cohort_id, version, state FROM {progress}
        WHERE participant_id = $1
    ), tasks AS (
        SELECT p.participant_id, task.value->>'task_id' AS task_id, p.cohort_id,
               task.value->>'kind' AS kind, task.value->>'title' AS title,
               task.value->>'phase' AS phase, task.value->>'assignee' AS assignee,
               task.value->>'role' AS role, (task.value->>'opened_at')::timestamptz AS opened_at,
               (task.value->>'due_at')::timestamptz AS due_at,
               (task.value->>'escalation_level')::int AS escalation_level
        FROM progress p, jsonb_each(p.state->'tasks') AS task
        WHERE task.value->>'status' = $2
    ), delegations AS (
        SELECT p.participant_id, (d->>'delegation_id')::int AS delegation_id,
               d->>'from_person' AS from_person, d->>'to_person' AS to_person,
               (d->>'starts_at')::timestamptz AS starts_at,
               (d->>'until')::timestamptz AS until, d->>'granted_by' AS granted_by,
               (d->>'ended')::boolean AS ended
        FROM progress p, jsonb_array_elements(p.state->'delegations') AS d
    ), closed_tasks AS (
        DELETE FROM task_inbox t WHERE t.participant_id = $1
        AND t.task_id NOT IN (SELECT task_id FROM tasks)
    ), open_tasks AS (
        INSERT INTO task_inbox AS t SELECT * FROM tasks
        ON CONFLICT (participant_id, task_id) DO UPDATE SET
            cohort_id = EXCLUDED.cohort_id, kind = EXCLUDED.kind, title = EXCLUDED.title,
            phase = EXCLUDED.phase, assignee = EXCLUDED.assignee, role = EXCLUDED.role,
            opened_at = EXCLUDED.opened_at, due_at = EXCLUDED.due_at,
            escalation_level = EXCLUDED.escalation_level
        WHERE t IS DISTINCT FROM EXCLUDED
    ), gone_delegations AS (
        DELETE FROM task_delegation d WHERE d.participant_id = $1
        AND d.delegation_id NOT IN (SELECT delegation_id FROM delegations)
    ), granted AS (
        INSERT INTO task_delegation AS d SELECT * FROM delegations
        ON CONFLICT (participant_id, delegation_id) DO UPDATE SET
            from_person = EXCLUDED.from_person, to_person = EXCLUDED.to_person,
            starts_at = EXCLUDED.starts_at, until = EXCLUDED.until,
            granted_by = EXCLUDED.granted_by, ended = EXCLUDED.ended
        WHERE d IS DISTINCT FROM EXCLUDED
    )
    SELECT version FROM progress
"""


class TaskInboxProjector:
    """Keeps task_inbox and task_delegation from the state the progress projector wrote."""

    def __init__(self, progress: FoldedStateProjector[ParticipantState]) -> None:
        self.name = "task_inbox"
        self.tables: tuple[str, ...] = ("task_inbox", "task_delegation")
        self._statement = _FROM_STATE.format(progress=progress.name)

    def wants(self, stream: str) -> bool:
        return stream.startswith(PARTICIPANT_PREFIX)

    async def clear(self, connection: Connection, stream: str) -> None:
        participant_id = key_of(stream, PARTICIPANT_PREFIX)
        await connection.execute("DELETE FROM task_inbox WHERE participant_id = $1", participant_id)
        await connection.execute(
            "DELETE FROM task_delegation WHERE participant_id = $1", participant_id
        )

    async def apply(
        self, connection: Connection, stream: str, events: Sequence[StoredEvent]
    ) -> None:
        # Reminders are most of a participant's events: a batch of only those is skipped.
        if all(event.type in _LEAVES_INBOX_ALONE for event in events):
            return
        participant_id = key_of(stream, PARTICIPANT_PREFIX)
        version = await connection.fetchval(self._statement, participant_id, TaskStatus.OPEN.value)
        if version != events[-1].version:
            # Raised inside the append's transaction: what the statement wrote goes too.
            raise ProjectionOrderError(
                f"participant progress of {participant_id} is at version {version}, not "
                f"{events[-1].version}: the task inbox projector must come after "
                "PARTICIPANT_PROGRESS"
            )


# --- reading the inbox --------------------------------------------------------------------


class InboxEntry(BaseModel):
    """One open task as an inbox shows it, with what depends on the clock worked out at
    the instant of the query."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    participant_id: str
    participant_name: str  # the directory's display name, or the id if they are not in it
    cohort_id: str | None
    kind: TaskKind
    title: str
    phase: str | None
    assignee: str
    assignee_name: str
    role: Role
    opened_at: datetime
    due_at: datetime
    overdue: bool
    escalation_level: int
    delegate: str | None  # who may decide for the assignee now, if anyone
    delegate_name: str | None
    rag: RagStatus | None  # the participant's RAG status now


Sort = Literal["due", "escalation", "opened", "participant"]

_ORDER_BY: dict[str, str] = {
    "due": "t.due_at, t.participant_id, t.task_id",
    "escalation": "t.escalation_level DESC, t.due_at, t.participant_id, t.task_id",
    "opened": "t.opened_at, t.participant_id, t.task_id",
    "participant": "participant_name, t.participant_id, t.due_at, t.task_id",
}

# $1 is always the instant of the query: the caller's, or the database's clock.
_NOW = "coalesce($1::timestamptz, now())"

# Who stands in for the row's assignee at _NOW: the latest grant whose window covers it.
_DELEGATE = f"""
    LEFT JOIN LATERAL (
        SELECT d.to_person FROM task_delegation d
        WHERE d.participant_id = t.participant_id AND d.from_person = t.assignee
          AND {rule.covers("d", _NOW)}
        ORDER BY {rule.latest_grant_first("d")} LIMIT 1
    ) AS delegation ON true
"""


def _sources(assignee_param: str | None) -> str:
    """Where the rows come from. For one person: their own tasks (index on assignee,
    due_at) and those of people with a delegation to them open now (index on to_person),
    as two index scans rather than one OR that would read the whole table."""
    if assignee_param is None:
        return "task_inbox t"
    return f"""
        (SELECT * FROM task_inbox WHERE assignee = {assignee_param}
         UNION
         SELECT i.* FROM task_delegation d
         JOIN task_inbox i ON i.participant_id = d.participant_id AND i.assignee = d.from_person
         WHERE d.to_person = {assignee_param} AND {rule.covers("d", _NOW)}
        ) AS t
    """


async def open_tasks(
    pool: asyncpg.Pool | Connection,
    *,
    assignee: str | None = None,
    role: Role | str | None = None,
    cohort: str | None = None,
    kind: TaskKind | str | None = None,
    participant: str | None = None,
    overdue: bool | None = None,
    sort: Sort = "due",
    limit: int = 200,
    now: datetime | None = None,
) -> list[InboxEntry]:
    """Open tasks matching every filter given, `sort` first, at most `limit`.

    `assignee` finds a person's inbox: the tasks assigned to them and those delegated to
    them now. `overdue` True keeps only overdue tasks, False only the others.
    `now` is the database's clock unless given (tests, and "what will be overdue on ...").
    """
    if sort not in _ORDER_BY:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(_ORDER_BY)}")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    arguments: list[Any] = [now]

    def parameter(value: Any) -> str:
        arguments.append(value)
        return f"${len(arguments)}"

    assignee_param = parameter(assignee) if assignee is not None else None
    conditions: list[str] = []
    if assignee_param is not None:
        # The deputy sees a delegated task only while the latest grant names them.
        conditions.append(
            f"(t.assignee = {assignee_param} OR delegation.to_person = {assignee_param})"
        )
    for column, value in (
        ("t.role", role),
        ("t.cohort_id", cohort),
        ("t.kind", kind),
        ("t.participant_id", participant),
    ):
        if value is not None:
            conditions.append(f"{column} = {parameter(str(value))}")
    if overdue is True:
        conditions.append(rule.overdue("t.due_at", _NOW))
    elif overdue is False:
        conditions.append(rule.not_overdue("t.due_at", _NOW))
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    query = f"""
        SELECT t.task_id, t.participant_id,
               coalesce(participant.display_name, t.participant_id) AS participant_name,
               t.cohort_id, t.kind, t.title, t.phase, t.assignee,
               coalesce(assignee.display_name, t.assignee) AS assignee_name,
               t.role, t.opened_at, t.due_at, {rule.overdue("t.due_at", _NOW)} AS overdue,
               t.escalation_level,
               delegation.to_person AS delegate,
               CASE WHEN delegation.to_person IS NOT NULL
                    THEN coalesce(deputy.display_name, delegation.to_person) END
                   AS delegate_name,
               progress.rag
        FROM {_sources(assignee_param)}
        {_DELEGATE}
        LEFT JOIN participant_progress progress ON progress.participant_id = t.participant_id
        LEFT JOIN people participant ON participant.person_id = t.participant_id
        LEFT JOIN people assignee ON assignee.person_id = t.assignee
        LEFT JOIN people deputy ON deputy.person_id = delegation.to_person
        {where}
        ORDER BY {_ORDER_BY[sort]}
        LIMIT {parameter(limit)}
    """
    rows = await pool.fetch(query, *arguments)
    return [InboxEntry.model_validate(dict(row)) for row in rows]


async def participants_to_delegate_for(pool: asyncpg.Pool | Connection, person: str) -> list[str]:
    """Where a delegation of `person`'s tasks must be granted, in id order: the
    participants whose progress names them among the domain's delegators."""
    rows = await pool.fetch(
        "SELECT participant_id FROM participant_progress WHERE delegators @> ARRAY[$1::text] "
        "ORDER BY participant_id",
        person,
    )
    return [row["participant_id"] for row in rows]
