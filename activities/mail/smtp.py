"""Sending one plain-text mail by SMTP with the configured server and sender: the
engine's notifications and the web console's sign-in links go out the same way."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from scls.settings import Settings

# Bounds how long a send may take (and hold whatever its caller holds meanwhile).
SMTP_TIMEOUT_SECONDS = 30.0

# Lines up to SMTP's hard limit: the subject stays one header line and an ASCII body plain
# text (not quoted-printable), readable with `cat` in the sink's folder. 7-bit, so any
# server takes it (non-ASCII names are encoded).
_MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998, cte_type="7bit")


async def send_mail(
    settings: Settings, *, to: str, subject: str, body: str, message_id: str
) -> None:
    """Send `body` to `to`; raises aiosmtplib.SMTPException, OSError or TimeoutError."""
    message = EmailMessage(policy=_MAIL_POLICY)
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(body)
    await aiosmtplib.send(
        message.as_bytes(policy=_MAIL_POLICY),  # aiosmtplib would fold with its own
        sender=settings.smtp_sender,
        recipients=[to],
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=(
            settings.smtp_password.get_secret_value()
            if settings.smtp_password is not None
            else None
        ),
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )
