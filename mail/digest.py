"""The weekly digests as plain-text mail: a person's open tasks, and ops' cohort summary.

The lines come in the order the domain gives them (overdue first); each task links to its
page in the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mail.templates import PLAIN_TEXT, RenderedMail, due_date


@dataclass(frozen=True)
class DigestTask:
    title: str
    participant: str  # display name
    participant_id: str
    task_id: str
    due_at: datetime
    overdue: bool
    for_person: str | None  # whose task it is, when it is delegated to the reader


@dataclass(frozen=True)
class CohortLine:
    cohort_id: str
    participants: int
    per_phase: dict[str, int]
    per_rag: dict[str, int]
    at_risk: int
    open_tasks: int
    overdue_tasks: int
    open_interventions: int


_TASKS = PLAIN_TEXT.from_string(
    """Dear {{ recipient }},

{% if overdue %}
{{ overdue }} of your {{ tasks|length }} open tasks {{ "is" if overdue == 1 else "are" }} overdue.
{% else %}
You have {{ tasks|length }} open task{{ "" if tasks|length == 1 else "s" }}, none overdue.
{% endif %}

{% for task in tasks %}
{{ "OVERDUE " if task.overdue else "" }}{{ task.title }} for {{ task.participant }}
  due {{ due(task.due_at) }}
{%- if task.for_person %}, standing in for {{ task.for_person }}{% endif %}

  {{ console }}/tasks/{{ task.participant_id }}/{{ task.task_id }}

{% endfor %}
All your tasks: {{ console }}/tasks

Social Care Leaders Scheme
(a weekly summary: replies are not read)
"""
)

_COHORTS = PLAIN_TEXT.from_string(
    """Dear {{ recipient }},

The week's summary of {{ cohorts|length }} cohort{{ "" if cohorts|length == 1 else "s" }}.

{% for cohort in cohorts %}
{{ cohort.cohort_id }}: {{ cohort.participants }} participants
  by phase: {{ counts(cohort.per_phase) }}
  RAG: {{ counts(cohort.per_rag) }}; at risk: {{ cohort.at_risk }}
  tasks: {{ cohort.open_tasks }} open, {{ cohort.overdue_tasks }} overdue
  interventions open: {{ cohort.open_interventions }}
  {{ console }}/cohorts/{{ cohort.cohort_id }}

{% endfor %}
Social Care Leaders Scheme
(a weekly summary: replies are not read)
"""
)


def _counts(by: dict[str, int]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in sorted(by.items())) or "none"


def task_digest(
    *, recipient: str, week: str, tasks: Sequence[DigestTask], console: str
) -> RenderedMail:
    """`tasks` in the order to show them."""
    overdue = sum(task.overdue for task in tasks)
    subject = f"Your tasks for week {week}" + (f": {overdue} overdue" if overdue else "")
    body = _TASKS.render(
        recipient=recipient, tasks=tasks, overdue=overdue, due=due_date, console=console
    )
    return RenderedMail(subject=subject, body=body)


def cohort_digest(
    *, recipient: str, week: str, cohorts: Sequence[CohortLine], console: str
) -> RenderedMail:
    body = _COHORTS.render(recipient=recipient, cohorts=cohorts, counts=_counts, console=console)
    return RenderedMail(subject=f"Cohorts this week ({week})", body=body)
