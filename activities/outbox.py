"""The outbox: every mail the engine sends is written under an idempotency key, then sent
once.

Exactly once, as far as SMTP allows: the mail is first written to the `outbox` under its
key (the id of the event that asked for it, or a digest's person and week), then sent
while that row is locked, and marked sent in the same transaction. A retry, or a second
attempt running at the same time, waits for the lock and finds the row sent. The one
window left is a crash after the SMTP server accepted the mail and before the commit: the
retry sends it again, with the same Message-ID, so the far end can tell it is a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib
import asyncpg
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import MAIL
from contracts.heartbeat import HEARTBEAT_EVERY
from mail.smtp import SmtpSettings, message_id, send_mail
from store.pool import Connection

MAIL_NOT_SENT = "MailNotSent"
MAIL_REJECTED = "MailRejected"

# SMTP replies that say the address itself will never take mail: no such mailbox (550),
# not local (551), a mailbox name not allowed (553), an address the server cannot parse
# (501). Retrying cannot help; everything else (a server down, 4xx, a full mailbox,
# refused credentials) may pass, and is retried.
_ADDRESS_REFUSED = frozenset({501, 550, 551, 553})

log = structlog.get_logger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    # Nothing written or sent:
    DIGEST_ONLY = "digest_only"  # the recipient takes reminders in their digest only
    NOTHING_OPEN = "nothing_open"  # a digest with nothing to list


@dataclass(frozen=True)
class Letter:
    """A mail as the outbox keeps it."""

    recipient: str  # person id
    email: str
    subject: str
    body: str


# The letter of a key not yet in the outbox, from the directory as it is now; or why there
# is none to send (DIGEST_ONLY, NOTHING_OPEN).
Compose = Callable[[Connection], Awaitable[Letter | Delivery]]


def refuses_the_address(failure: Exception) -> bool:
    """Whether the mail server said the recipient's address will never take mail."""
    if isinstance(failure, aiosmtplib.SMTPRecipientsRefused):
        return bool(failure.recipients) and all(
            refused.code in _ADDRESS_REFUSED for refused in failure.recipients
        )
    return isinstance(failure, aiosmtplib.SMTPRecipientRefused) and (
        failure.code in _ADDRESS_REFUSED
    )


@contextlib.asynccontextmanager
async def _heartbeating() -> AsyncIterator[None]:
    """Heartbeat to Temporal while the body runs (waiting for a lock or a slow mail
    server included), so the activity of a worker that dies is retried soon."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY.total_seconds())

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


class Outbox:
    """One per worker: the notification and digest activities send through it."""

    def __init__(self, pool: asyncpg.Pool, smtp: SmtpSettings) -> None:
        self._pool = pool
        self._smtp = smtp
        # Each send holds a pooled connection (and the row lock) while the mail server
        # talks: at most half the pool, so a slow server cannot starve the event store.
        self._sending = asyncio.Semaphore(max(1, pool.get_max_size() // 2))

    async def send(
        self, key: str, kind: str, compose: Compose, *, workflow_id: str | None = None
    ) -> Delivery:
        """Send the mail under `key` once; `kind` names it in logs and metrics."""
        context = {"idempotency_key": key, "kind": kind}
        async with _heartbeating(), self._sending, self._pool.acquire() as connection:
            # A retry whose mail is already in the outbox sends what was written then,
            # even if the directory changed since.
            if not await connection.fetchval(
                "SELECT true FROM outbox WHERE idempotency_key = $1", key
            ):
                letter = await compose(connection)
                if isinstance(letter, Delivery):
                    MAIL.labels(kind=kind, outcome=letter.value).inc()
                    log.info("no mail to send", outcome=letter.value, **context)
                    return letter
                # Two first attempts at once both get here: the key lets one row in.
                await connection.execute(
                    "INSERT INTO outbox (idempotency_key, recipient, email, subject, body,"
                    " workflow_id) VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT (idempotency_key) DO NOTHING",
                    key,
                    letter.recipient,
                    letter.email,
                    letter.subject,
                    letter.body,
                    workflow_id,
                )
            delivery = await self._deliver(connection, key, context)
        MAIL.labels(kind=kind, outcome=delivery.value).inc()
        return delivery

    async def _deliver(self, connection: Connection, key: str, context: dict[str, str]) -> Delivery:
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
                return Delivery.ALREADY_SENT
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
            raise self._not_sent(key, failure, row["attempts"] + 1, context)
        log.info("notification sent", **context)
        return Delivery.SENT

    def _not_sent(
        self, key: str, failure: Exception, attempts: int, context: dict[str, str]
    ) -> ApplicationError:
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
            attempts=attempts,
            retried=not refused,
            **context,
        )
        outcome = "rejected" if refused else "failed"
        MAIL.labels(kind=context["kind"], outcome=outcome).inc()
        if refused:
            # Not retried: the directory has an address that does not exist. The outbox
            # row keeps the server's words; mend the address and later mail goes out.
            return ApplicationError(
                f"mail {key} refused for good ({reason}); the outbox row has the "
                "server's reply: correct the person's address in the directory",
                type=MAIL_REJECTED,
                non_retryable=True,
            )
        return ApplicationError(
            f"mail {key} not sent ({reason}); the outbox row has the error", type=MAIL_NOT_SENT
        )
