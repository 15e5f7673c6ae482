"""The notification activity as workflows call it: the mail the domain says an event
calls for (domain.participant.mail), asked of the activity by person ids only and keyed
by the event's id, so a retried or replayed send finds the mail already gone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.heartbeat import HEARTBEAT_TIMEOUT
    from contracts.notifications import SEND_NOTIFICATION, NotificationRequest
    from domain.participant.events import ParticipantEvent
    from domain.participant.mail import mail_for

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
    mail = mail_for(event)
    if mail is None:
        return None
    return NotificationRequest(
        **mail.model_dump(),
        idempotency_key=str(event_id),
        participant_id=participant_id,
        workflow_id=workflow.info().workflow_id,
    )


async def send(request: NotificationRequest) -> None:
    """Send one notification; a recipient the directory lacks is logged, not fatal."""
    await best_effort(SEND_NOTIFICATION, request, request.idempotency_key, "notification not sent")


async def best_effort(activity: str, argument: BaseModel, key: str, failure: str) -> None:
    """Run `activity` retried like a mail; when it fails for good, log `failure` with the
    idempotency key and go on: nothing the workflow records waits on it."""
    try:
        await workflow.execute_activity(
            activity,
            argument,
            start_to_close_timeout=timedelta(minutes=1),
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=SEND_RETRY,
        )
    except ActivityError as error:
        workflow.logger.warning(failure, extra={"idempotency_key": key, "cause": str(error.cause)})
