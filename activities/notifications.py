"""The notification activity: mail for a person who should act on a participant's task.

A workflow asks with ids only (`NotificationRequest`); names and addresses come from the
people directory here, so they never enter Temporal's history. The mail goes through the
outbox (activities/outbox.py) under the id of the event that asked for it, so it is sent
once however often the activity is retried. A reminder to someone who takes their mail
as a weekly digest is not sent: the digest lists the task.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import structlog
from pydantic import BaseModel, ConfigDict
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.outbox import Delivery, Letter, Outbox
from contracts.notifications import SEND_NOTIFICATION, NotificationRequest
from domain.people import MailPreference
from mail.smtp import SmtpSettings
from mail.templates import render
from store.pool import Connection

UNKNOWN_RECIPIENT = "UnknownRecipient"

log = structlog.get_logger(__name__)


class NotificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Delivery
    idempotency_key: str


class NotificationActivities:
    def __init__(
        self,
        pool: asyncpg.Pool,
        smtp: SmtpSettings,
        check_in_link: Callable[[str, int], str] | None = None,
    ) -> None:
        """`check_in_link(person, number)`: the one-click link of an alumni check-in
        (mail.check_in_links); without it those mails go without a link."""
        self._outbox = Outbox(pool, smtp)
        self._check_in_link = check_in_link

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, request: NotificationRequest) -> NotificationResult:
        async def compose(connection: Connection) -> Letter | Delivery:
            return await self._compose(connection, request)

        outcome = await self._outbox.send(
            request.idempotency_key,
            request.kind.value,
            compose,
            workflow_id=request.workflow_id,
        )
        return NotificationResult(outcome=outcome, idempotency_key=request.idempotency_key)

    async def _compose(
        self, connection: Connection, request: NotificationRequest
    ) -> Letter | Delivery:
        names = {
            record["person_id"]: record
            for record in await connection.fetch(
                "SELECT person_id, display_name, email, mail FROM people WHERE person_id = ANY($1)",
                [
                    person
                    for person in (request.recipient, request.participant_id, request.assignee)
                    if person is not None
                ],
            )
        }
        recipient = names.get(request.recipient)
        if recipient is None:
            raise ApplicationError(
                f"recipient {request.recipient!r} is not in the people directory",
                type=UNKNOWN_RECIPIENT,
                non_retryable=True,
            )
        if not MailPreference(recipient["mail"]).by_mail(request.kind):
            return Delivery.DIGEST_ONLY
        participant = names.get(request.participant_id)
        if participant is None:
            log.warning(
                "participant not in the people directory: mail names them by id",
                idempotency_key=request.idempotency_key,
                participant_id=request.participant_id,
            )

        def name(person: str | None) -> str | None:
            if person is None:
                return None
            found = names.get(person)
            return found["display_name"] if found is not None else person

        mail = render(
            request.kind,
            recipient=recipient["display_name"],
            participant=name(request.participant_id) or request.participant_id,
            task_title=request.task_title,
            due_at=request.due_at,
            reminder_number=request.reminder_number,
            escalation_level=request.escalation_level,
            assignee=name(request.assignee),
            link=(
                self._check_in_link(request.participant_id, request.check_in)
                if request.check_in is not None and self._check_in_link is not None
                else None
            ),
        )
        return Letter(
            recipient=request.recipient,
            email=recipient["email"],
            subject=mail.subject,
            body=mail.body,
        )
