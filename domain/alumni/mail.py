"""Which alumni events call for a mail, to whom: a check-in opened or reminded goes to the
alumnus with a one-click link to its form; an escalation to their ops lead."""

from __future__ import annotations

from domain.alumni.events import AlumniEvent, CheckInEscalated, CheckInOpened, CheckInReminded
from domain.mail import Mail, NotificationKind
from domain.programme.alumni import check_in


def _title(number: int) -> str:
    return f"Where are you now? ({check_in(number).title.lower()})"


def alumni_mail_for(event: AlumniEvent, person_id: str) -> Mail | None:
    match event:
        case CheckInOpened():
            return Mail(
                kind=NotificationKind.CHECK_IN,
                recipient=person_id,
                task_title=_title(event.number),
                due_at=event.closes_at,
                check_in=event.number,
            )
        case CheckInReminded():
            return Mail(
                kind=NotificationKind.CHECK_IN_REMINDER,
                recipient=person_id,
                task_title=_title(event.number),
                reminder_number=event.reminder,
                check_in=event.number,
            )
        case CheckInEscalated():
            return Mail(
                kind=NotificationKind.CHECK_IN_ESCALATED,
                recipient=event.to_person,
                task_title=_title(event.number),
                assignee=person_id,
                check_in=event.number,
            )
        case _:
            return None
