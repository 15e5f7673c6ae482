"""The domain's clock rules in SQL: the one place outside domain/ that states them.

Whether a task is overdue and who stands in for an absent assignee depend on the clock,
so no read model can store them; and an inbox of 10,000 open tasks must filter, count
and page by them in the database, which cannot call the domain. So each rule the
queries need is written here once, beside the domain function it restates, and every
query builds its SQL from these. tests/store/test_rules_in_sql.py holds the two to
each other: the read models' answers must equal the domain's at the boundary instants
(due exactly now, a delegation's first and last instants, two overlapping grants).
A rule changed in the domain fails that test until it is changed here too.

Each function takes SQL expressions (column names, `now()`, a parameter) and returns a
boolean SQL expression, or an ORDER BY term.
"""

from __future__ import annotations


def overdue(due_at: str, now: str) -> str:
    """domain.programme.tasks.Task.is_overdue, for an open task: at or past its due
    instant."""
    return f"{due_at} <= {now}"


def not_overdue(due_at: str, now: str) -> str:
    return f"NOT ({overdue(due_at, now)})"


def session_missed(missed_from: str, now: str) -> str:
    """domain.participant.support_sessions.SessionCadenceStatus.is_missed: at or past the
    instant a kind of session counts as missed (twice its cadence without one)."""
    return f"{missed_from} <= {now}"


def covers(delegation: str, at: str) -> str:
    """domain.participant.state.Delegation.covers: from starts_at until, not including,
    until. `delegation` names a task_delegation row."""
    return f"{delegation}.starts_at <= {at} AND {at} < {delegation}.until"


def latest_grant_first(delegation: str) -> str:
    """domain.participant.state.ParticipantState.delegate_of: of the grants covering an
    instant, the latest wins (grants are numbered in the order they were made)."""
    return f"{delegation}.delegation_id DESC"
