"""The notification activity: mail for a person who should act on a participant's task.

A workflow asks with ids only (`NotificationRequest`); names and addresses come from the
people directory here, so they never enter Temporal's history.

Exactly once, as far as SMTP allows: the mail is first written to the `outbox` under the
request's idempotency key (the id of the event that asked for it), then sent while that
row is locked, and marked sent in the same transaction. A retry, or a second attempt
running at the same time, waits for the lock and finds the row sent. The one window left
is a crash after the SMTP server accepted the mail and before the commit: the retry sends
it again, with the same Message-ID, so the far end can tell it is a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum

import aiosmtplib
import asyncpg
import structlog
from pydantic import BaseModel, ConfigDict
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.notifications import (
    SEND_NOTIFICATION,
    NotificationRequest,
)
from mail.smtp import SmtpSettings, message_id, send_mail
from mail.templates import render
from store.pool import Connection

UNKNOWN_RECIPIENT = "UnknownRecipient"
MAIL_NOT_SENT = "MailNotSent"
MAIL_REJECTED = "MailRejected"

# SMTP replies that say the address itself will never take mail: no such mailbox (550),
# not local (551), a mailbox name not allowed (553), an address the server cannot parse
# (501). Retrying cannot help; everything else (a server down, 4xx, a full mailbox,
# refused credentials) may pass, and is retried.
_ADDRESS_REFUSED = frozenset({501, 550, 551, 553})

log = structlog.get_logger(__name__)


class NotificationOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"


class NotificationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: NotificationOutcome
    idempotency_key: str


def refuses_the_address(failure: Exception) -> bool:
    """Whether the mail server said the recipient's address will never take mail."""
    if isinstance(failure, aiosmtplib.SMTPRecipientsRefused):
        return bool(failure.recipients) and all(
            refused.code in _ADDRESS_REFUSED for refused in failure.recipients
        )
    return isinstance(failure, aiosmtplib.SMTPRecipientRefused) and (
        failure.code in _ADDRESS_REFUSED
    )


class NotificationActivities:
    def __init__(
        self,
        pool: asyncpg.Pool,
        smtp: SmtpSettings,
        check_in_link: Callable[[str, int], str] | None = None,
    ) -> None:
        """`check_in_link(person, number)`: the one-click link of an alumni check-in
        (mail.check_in_links); without it those mails go without a link."""
        self._pool = pool
        self._smtp = smtp
        self._check_in_link = check_in_link
        # Each send holds a pooled connection (and the row lock) while the mail server
        # talks: at most half the pool, so a slow server cannot starve the event store.
        self._sending = asyncio.Semaphore(max(1, pool.get_max_size() // 2))

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, request: NotificationRequest) -> NotificationResult:
        key = request.idempotency_key
        context = {"idempotency_key": key, "kind": request.kind.value}
        async with self._sending, self._pool.acquire() as connection:
            # A retry whose mail is already in the outbox sends what was written then,
            # even if the directory changed since.
            if not await connection.fetchval(
                "SELECT true FROM outbox WHERE idempotency_key = $1", key
            ):
                await self._write_to_outbox(connection, request)

            async with connection.transaction():
                row = await connection.fetchrow(
                    "SELECT recipient, email, subject, body, sent_at, attempts FROM outbox"
                    " WHERE idempotency_key = $1 FOR UPDATE",
                    key,
                )
                assert row is not None  # written above; the outbox is never deleted from
                context["recipient"] = row["recipient"]
                if row["sent_at"] is not None:
                    log.info("notification already sent", **context)
                    return NotificationResult(
                        outcome=NotificationOutcome.ALREADY_SENT, idempotency_key=key
                    )
                failure: Exception | None = None
                try:
                    await send_mail(
                        self._smtp,
                        to=row["email"],
                        subject=row["subject"],
                        body=row["body"],
                        message_id=message_id(key, self._smtp.sender),
                    )
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                    failure = error
                else:
                    await connection.execute(
                        "UPDATE outbox SET sent_at = now(), attempts = attempts + 1,"
                        " last_error = NULL WHERE idempotency_key = $1",
                        key,
                    )
                if failure is not None:
                    # Recorded (and committed) before the activity fails, so the outbox
                    # shows why a mail is late.
                    await connection.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2"
                        " WHERE idempotency_key = $1",
                        key,
                        f"{type(failure).__name__}: {failure}"[:2000],
                    )
        if failure is not None:
            # The SMTP error text can carry the address: it stays in the outbox, and
            # Temporal (which retries this) gets the kind of failure only.
            refused = refuses_the_address(failure)
            codes = [r.code for r in getattr(failure, "recipients", ())] or [
                getattr(failure, "code", None)
            ]
            reason = type(failure).__name__ + "".join(f", SMTP {c}" for c in codes if c)
            log.warning(
                "notification not sent",
                reason=reason,
                attempts=row["attempts"] + 1,
                retried=not refused,
                **context,
            )
            if refused:
                # Not retried: the directory has an address that does not exist. The
                # outbox row keeps the server's words; mend the address and later mail
                # goes out.
                raise ApplicationError(
                    f"mail {key} refused for good ({reason}); the outbox row has the "
                    "server's reply: correct the person's address in the directory",
                    type=MAIL_REJECTED,
                    non_retryable=True,
                ) from None
            raise ApplicationError(
                f"mail {key} not sent ({reason}); the outbox row has the error",
                type=MAIL_NOT_SENT,
            ) from None
        log.info("notification sent", **context)
        return NotificationResult(outcome=NotificationOutcome.SENT, idempotency_key=key)

    async def _write_to_outbox(self, connection: Connection, request: NotificationRequest) -> None:
        names = {
            record["person_id"]: record
            for record in await connection.fetch(
                "SELECT person_id, display_name, email FROM people WHERE person_id = ANY($1)",
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
        # Two first attempts at once both get here: the key lets one row in.
        await connection.execute(
            "INSERT INTO outbox (idempotency_key, recipient, email, subject, body, workflow_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING",
            request.idempotency_key,
            request.recipient,
            recipient["email"],
            mail.subject,
            mail.body,
            request.workflow_id,
        )
