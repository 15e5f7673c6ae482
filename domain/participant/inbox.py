"""Inbox rows: a participant's open tasks as a manager's to-do list shows them. Pure, so
the read model that keeps them (one row per open task, rebuilt on each event) and a
workflow query give the same rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime, require_utc
from domain.participant.state import ParticipantState
from domain.programme.tasks import TaskKind
from domain.roles import Role


class InboxRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    participant_id: str
    cohort_id: str | None
    kind: TaskKind
    title: str
    assignee: str
    role: Role
    due_at: UtcDatetime
    overdue: bool
    escalation_level: int  # escalations sent so far (0: none)
    delegate: str | None  # who may decide for the assignee at `now`, if anyone


def open_task_rows(state: ParticipantState, now: datetime) -> list[InboxRow]:
    """One row per open task, the most urgent first."""
    now = require_utc(now)
    return [
        InboxRow(
            task_id=task.task_id,
            participant_id=state.participant_id,
            cohort_id=state.cohort_id,
            kind=task.kind,
            title=task.title,
            assignee=task.assignee,
            role=task.role,
            due_at=task.due_at,
            overdue=task.is_overdue(now),
            escalation_level=task.escalation_level,
            delegate=state.delegate_of(task.assignee, now),
        )
        for task in state.open_tasks
    ]
