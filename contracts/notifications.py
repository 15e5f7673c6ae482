"""What a workflow asks the notification activity to send: ids only, never names or emails.

A light module (no database or mail code) so workflows can import it; the activity looks
the recipient and participant up in the people directory.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

SEND_NOTIFICATION = "send_notification"


class NotificationKind(StrEnum):
    TASK_REMINDER = "task_reminder"
    TASK_ESCALATED = "task_escalated"
    TASK_REASSIGNED = "task_reassigned"
    DELEGATION_ENDED = "delegation_ended"
    INTERVENTION_OPENED = "intervention_opened"


class NotificationRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    idempotency_key: str = Field(description="the id of the event that asked for the mail")
    kind: NotificationKind
    recipient: str = Field(description="person id of whoever should act")
    participant_id: str
    task_id: str | None = None
    task_title: str | None = None
    due_at: datetime | None = None
    reminder_number: int | None = None
    escalation_level: int | None = None
    assignee: str | None = Field(default=None, description="person id the task waits on")
    workflow_id: str | None = None
