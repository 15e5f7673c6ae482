"""Which recorded events call for a mail, and what the notification activity is asked.

Requests carry person ids only; the activity looks names and addresses up in the
directory. The event's id is the idempotency key, so a retried or replayed send finds the
mail already gone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.notifications import (
        SEND_NOTIFICATION,
        NotificationKind,
        NotificationRequest,
    )
    from domain.participant.events import (
        DelegationEnded,
        ParticipantEvent,
        TaskEscalated,
        TaskReassigned,
        TaskReminderDue,
    )

# A mail server may be down for hours; the mail waits for it.
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=["UnknownRecipient"],
)


def notification_for(
    event: ParticipantEvent, event_id: uuid.UUID, participant_id: str
) -> NotificationRequest | None:
    common = {
        "idempotency_key": str(event_id),
        "participant_id": participant_id,
        "workflow_id": workflow.info().workflow_id,
    }
    match event:
        case TaskReminderDue():
            return NotificationRequest(
                kind=NotificationKind.TASK_REMINDER,
                recipient=event.to_person,
                task_id=event.task_id,
                task_title=event.title,
                due_at=event.due_at,
                reminder_number=event.reminder_number,
                **common,
            )
        case TaskEscalated():
            return NotificationRequest(
                kind=NotificationKind.TASK_ESCALATED,
                recipient=event.to_person,
                task_id=event.task_id,
                task_title=event.title,
                due_at=event.due_at,
                escalation_level=event.level,
                assignee=event.assignee,
                **common,
            )
        case TaskReassigned():
            return NotificationRequest(
                kind=NotificationKind.TASK_REASSIGNED,
                recipient=event.to_person,
                task_id=event.task_id,
                assignee=event.from_person,
                **common,
            )
        case DelegationEnded():
            return NotificationRequest(
                kind=NotificationKind.DELEGATION_ENDED,
                recipient=event.to_person,
                assignee=event.from_person,
                **common,
            )
        case _:
            return None


async def send(request: NotificationRequest) -> None:
    """Send one notification; a recipient the directory lacks is logged, not fatal."""
    try:
        await workflow.execute_activity(
            SEND_NOTIFICATION,
            request,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=SEND_RETRY,
        )
    except ActivityError as error:
        workflow.logger.warning(
            "notification not sent",
            extra={"idempotency_key": request.idempotency_key, "cause": str(error.cause)},
        )
