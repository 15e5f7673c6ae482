"""What a workflow asks the notification activity to send: the domain's mail (ids only,
never names or emails), with the key that sends it once.

A light module (no database or mail code) so workflows can import it; the activity looks
the recipient and participant up in the people directory.
"""

from __future__ import annotations

from pydantic import Field

from domain.mail import Mail, NotificationKind

__all__ = ["SEND_NOTIFICATION", "NotificationKind", "NotificationRequest"]

SEND_NOTIFICATION = "send_notification"


class NotificationRequest(Mail):
    idempotency_key: str = Field(description="the id of the event that asked for the mail")
    participant_id: str
    workflow_id: str | None = None
