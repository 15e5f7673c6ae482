"""Sending one plain-text mail by SMTP with the configured server and sender: the
engine's notifications and the web console's sign-in links go out the same way."""

from __future__ import annotations

import email.policy
import hashlib
import re
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
from pydantic import BaseModel, ConfigDict, SecretStr

# Bounds how long a send may take (and hold whatever its caller holds meanwhile).
SMTP_TIMEOUT_SECONDS = 30.0

# Lines up to SMTP's hard limit: the subject stays one header line and an ASCII body plain
# text (not quoted-printable), readable with `cat` in the sink's folder. 7-bit, so any
# server takes it (non-ASCII names are encoded).
_MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998, cte_type="7bit")

_MESSAGE_ID_SAFE = re.compile(r"[A-Za-z0-9._-]{1,200}")


class SmtpSettings(BaseModel):
    """The mail server and the sender's address (SCLS_SMTP_* settings)."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    sender: str


def message_id(idempotency_key: str, sender: str) -> str:
    """The same Message-ID for every attempt at one mail."""
    local = (
        idempotency_key
        if _MESSAGE_ID_SAFE.fullmatch(idempotency_key)
        else hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    )
    domain = sender.rpartition("@")[2] or "scls.localhost"
    return f"<scls.{local}@{domain}>"


async def send_mail(
    smtp: SmtpSettings, *, to: str, subject: str, body: str, message_id: str
) -> None:
    """Send `body` to `to`; raises aiosmtplib.SMTPException, OSError or TimeoutError."""
    message = EmailMessage(policy=_MAIL_POLICY)
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(body)
    await aiosmtplib.send(
        message.as_bytes(policy=_MAIL_POLICY),  # aiosmtplib would fold with its own
        sender=smtp.sender,
        recipients=[to],
        hostname=smtp.host,
        port=smtp.port,
        username=smtp.username,
        password=smtp.password.get_secret_value() if smtp.password is not None else None,
        start_tls=smtp.starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
