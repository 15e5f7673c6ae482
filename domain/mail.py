"""The mails the scheme sends about a participant: their kinds, and what one says, by
person ids only (names and addresses stay in the people directory, out of workflow
histories). Which event calls for which mail to whom is the domain's too:
domain.participant.mail for a participant's events, told_of_opening in
domain.intervention.case for a case's opening."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class NotificationKind(StrEnum):
    TASK_REMINDER = "task_reminder"
    TASK_ESCALATED = "task_escalated"
    TASK_REASSIGNED = "task_reassigned"
    DELEGATION_ENDED = "delegation_ended"
    INTERVENTION_OPENED = "intervention_opened"
    # After the programme (domain.alumni.mail): the alumnus asked where they are, with a
    # one-click link to the check-in's form; ops told when nobody answers.
    CHECK_IN = "check_in"
    CHECK_IN_REMINDER = "check_in_reminder"
    CHECK_IN_ESCALATED = "check_in_escalated"


class Mail(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: NotificationKind
    recipient: str = Field(description="person id of whoever should act")
    task_id: str | None = None
    task_title: str | None = None
    due_at: datetime | None = None
    reminder_number: int | None = None
    escalation_level: int | None = None
    assignee: str | None = Field(default=None, description="person id the task waits on")
    # An alumni check-in's number: the mail carries a one-click link to its form.
    check_in: int | None = None
