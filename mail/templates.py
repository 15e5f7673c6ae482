"""Subject and body of each notification kind, as Jinja2 templates of plain text.

Kept in Python rather than as template files so they ship with the package without
package-data rules. Each template sees the same names (see `render`); a value the request
did not carry is None, and the templates leave its sentence out. `assignee` is the
other person of the request: whom the task waits on (escalation), whom it came from
(reassignment), whose tasks were delegated (delegation ended).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import DictLoader, Environment, StrictUndefined

from contracts.notifications import NotificationKind

_ACT = """
Please open your tasks in the Social Care Leaders Scheme to deal with it.
"""
_SIGNATURE = """
Social Care Leaders Scheme
(an automated message: replies are not read)
"""

_TEMPLATES: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.TASK_REMINDER: (
        "Reminder{% if reminder_number %} {{ reminder_number }}{% endif %}: "
        "{{ task }} for {{ participant }} is waiting for you",
        """Dear {{ recipient }},

{{ task }} for {{ participant }} is waiting for you
{%- if due %}, and is due on {{ due }}{% endif %}.
{% if reminder_number %}
This is reminder number {{ reminder_number }}.
{% endif %}""",
    ),
    NotificationKind.TASK_ESCALATED: (
        "Escalated to you: {{ task }} for {{ participant }} is overdue",
        """Dear {{ recipient }},

{{ task }} for {{ participant }} has not been dealt with
{%- if due %} by its due date, {{ due }},{% endif %} and has been escalated to you
{%- if escalation_level %} (escalation level {{ escalation_level }}){% endif %}.
{% if assignee %}
It is waiting on {{ assignee }}.
{% endif %}""",
    ),
    NotificationKind.TASK_REASSIGNED: (
        "Now with you: {{ task }} for {{ participant }}",
        """Dear {{ recipient }},

{{ task }} for {{ participant }} has been reassigned to you
{%- if assignee %} from {{ assignee }}{% endif %}
{%- if due %}, and is due on {{ due }}{% endif %}.
""",
    ),
    NotificationKind.DELEGATION_ENDED: (
        "Delegation ended: tasks for {{ participant }}",
        """Dear {{ recipient }},

A delegation of tasks for {{ participant }} has ended
{%- if assignee %}: tasks waiting on {{ assignee }} are decided by them again{% endif %}.
""",
    ),
    NotificationKind.INTERVENTION_OPENED: (
        "Intervention opened: {{ task }} for {{ participant }}",
        """Dear {{ recipient }},

An intervention has been opened for {{ participant }}: {{ task }}.
A review meeting is needed within ten working days
{%- if assignee %}; {{ assignee }}, their Development Lead, holds it{% endif %}.
""",
    ),
    NotificationKind.CHECK_IN: (
        "{{ task }}: the Social Care Leaders Scheme asks its alumni",
        """Dear {{ recipient }},

The Social Care Leaders Scheme keeps in touch with everyone who took part, to learn
where the programme leads. Please tell us where you are now: it takes a minute, and
needs no password.

{{ link }}
{% if due %}
The form is open until {{ due }}.
{% endif %}""",
    ),
    NotificationKind.CHECK_IN_REMINDER: (
        "Reminder: {{ task }}",
        """Dear {{ recipient }},

We have not yet heard where you are now. Please tell us: it takes a minute.

{{ link }}
""",
    ),
    NotificationKind.CHECK_IN_ESCALATED: (
        "No answer from {{ participant }}: {{ task }}",
        """Dear {{ recipient }},

{{ participant }} has not answered their alumni check-in ({{ task }}) after two
reminders. Please get in touch with them and record where they are.
""",
    ),
}

_NO_ACTION = (
    NotificationKind.DELEGATION_ENDED,
    NotificationKind.CHECK_IN,
    NotificationKind.CHECK_IN_REMINDER,
)


def _footer(kind: NotificationKind) -> str:
    return _SIGNATURE if kind in _NO_ACTION else _ACT + _SIGNATURE


_environment = Environment(
    loader=DictLoader(
        {
            name: source
            for kind, (subject, body) in _TEMPLATES.items()
            for name, source in (
                (f"{kind.value}.subject", subject),
                (f"{kind.value}.body", "\n".join((body, _footer(kind)))),
            )
        }
    ),
    autoescape=False,  # plain text, never HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

# For mails written as one template each (the digest, the placement flag): plain text,
# with block tags that leave no blank lines of their own.
PLAIN_TEXT = Environment(
    autoescape=False,  # plain text, never HTML
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)

try:
    # The scheme runs in England: a due date is the day it falls on there.
    _LOCAL = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # a machine without the time zone database
    _LOCAL = ZoneInfo("UTC")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


def due_date(at: datetime) -> str:
    local = at.astimezone(_LOCAL)
    return f"{local:%A} {local.day} {local:%B %Y}"


def render(
    kind: NotificationKind,
    *,
    recipient: str,
    participant: str,
    task_title: str | None,
    due_at: datetime | None,
    reminder_number: int | None,
    escalation_level: int | None,
    assignee: str | None,
    link: str | None = None,
) -> RenderedMail:
    """The mail of `kind`; names are display names from the people directory; `link` is
    an alumni check-in's one-click link."""
    values = {
        "recipient": recipient,
        "participant": participant,
        "task": task_title or "A task",
        "due": due_date(due_at) if due_at is not None else None,
        "reminder_number": reminder_number,
        "escalation_level": escalation_level,
        "assignee": assignee,
        "link": link,
    }
    subject = _environment.get_template(f"{kind.value}.subject").render(values)
    body = _environment.get_template(f"{kind.value}.body").render(values)
    # Left-out sentences leave blank lines behind: keep at most one between paragraphs.
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    # A subject is one header line: a title or name with a line break must not fold it.
    return RenderedMail(subject=" ".join(subject.split()), body=body)
