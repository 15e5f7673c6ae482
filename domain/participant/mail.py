"""Which of a participant's events calls for a mail, to whom, and what it says."""

from __future__ import annotations

from domain.mail import Mail, NotificationKind
from domain.participant.events import (
    DelegationEnded,
    ParticipantEvent,
    TaskEscalated,
    TaskReassigned,
    TaskReminderDue,
)


def mail_for(event: ParticipantEvent) -> Mail | None:
    """A reminder goes to whoever the event names (the assignee or their deputy), an
    escalation to the person it escalates to, a reassigned task to its new assignee, the
    end of a delegation to the deputy; no other event is mailed."""
    match event:
        case TaskReminderDue():
            return Mail(
                kind=NotificationKind.TASK_REMINDER,
                recipient=event.to_person,
                task_id=event.task_id,
                task_title=event.title,
                due_at=event.due_at,
                reminder_number=event.reminder_number,
            )
        case TaskEscalated():
            return Mail(
                kind=NotificationKind.TASK_ESCALATED,
                recipient=event.to_person,
                task_id=event.task_id,
                task_title=event.title,
                due_at=event.due_at,
                escalation_level=event.level,
                assignee=event.assignee,
            )
        case TaskReassigned():
            return Mail(
                kind=NotificationKind.TASK_REASSIGNED,
                recipient=event.to_person,
                task_id=event.task_id,
                assignee=event.from_person,
            )
        case DelegationEnded():
            return Mail(
                kind=NotificationKind.DELEGATION_ENDED,
                recipient=event.to_person,
                assignee=event.from_person,
            )
        case _:
            return None
