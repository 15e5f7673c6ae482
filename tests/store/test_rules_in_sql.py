"""store/rules_in_sql.py against the domain: every read that applies a clock rule in SQL
(the inbox's overdue flag and filters, who stands in for an assignee, a deputy's inbox,
the dashboard's overdue counts, coaching and mentoring missed) answers as the domain does
at the boundary instants: due exactly now, a delegation's first and last instants, two
overlapping grants, the instant a session counts as missed."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from domain.cohort.report import cohort_status
from domain.participant.commands import Delegate
from domain.participant.support_sessions import session_cadence
from store.dashboard import cohort_counts, cohort_participants
from store.inbox import open_tasks
from store.session_cadence import session_cadences
from tests.domain.domain_builders import PROGRAMME_START, open_task_rows
from tests.inbox.inbox_builders import Recorder, assert_inbox_agrees
from tests.store.test_session_cadence import record as record_placement

pytestmark = pytest.mark.postgres

COHORT = "C-north-2027"
AWAY = "P-institute-1"  # holds institute_completion, and is away twice over
DEPUTIES = ("P-deputy-1", "P-deputy-2")
TICK = timedelta(microseconds=1)  # the clock's resolution, in Python and in Postgres


def around(*instants: datetime) -> list[datetime]:
    return sorted({at + step for at in instants for step in (-TICK, timedelta(0), TICK)})


async def test_the_reads_apply_the_domains_clock_rules_at_their_boundaries(
    pool: asyncpg.Pool,
) -> None:
    participant = Recorder(pool, "P-1")
    state = await participant.at_institute(COHORT)
    [task] = state.open_tasks
    granted = PROGRAMME_START + timedelta(days=1)
    # The first deputy from a day before the task is due until a week after; the second,
    # granted later, from the due instant on for two weeks: they overlap.
    first = Delegate(
        from_person=AWAY,
        to_person=DEPUTIES[0],
        starts_at=task.due_at - timedelta(days=1),
        until=task.due_at + timedelta(weeks=1),
        by=AWAY,
    )
    second = first.model_copy(
        update={
            "to_person": DEPUTIES[1],
            "starts_at": task.due_at,
            "until": task.due_at + timedelta(weeks=2),
        }
    )
    await participant.command(first, granted)
    state = await participant.command(second, granted)
    boundaries = (task.due_at, first.starts_at, first.until, second.starts_at, second.until)

    for now in around(*boundaries):
        await assert_inbox_agrees(pool, state, now)
        rows = open_task_rows(state, now)
        for overdue in (True, False):
            found = await open_tasks(pool, overdue=overdue, now=now)
            assert [e.task_id for e in found] == [r.task_id for r in rows if r.overdue == overdue]
        for deputy in DEPUTIES:
            found = await open_tasks(pool, assignee=deputy, now=now)
            assert [e.task_id for e in found] == [r.task_id for r in rows if r.delegate == deputy]
        status = cohort_status(COHORT, None, [state], now)
        assert (await cohort_counts(pool, now))[COHORT].overdue_tasks == len(status.overdue)
        [shown] = await cohort_participants(pool, COHORT, now)
        assert shown.overdue_tasks == len(status.overdue)


async def test_sessions_missed_in_sql_are_the_domains_at_the_boundary(pool: asyncpg.Pool) -> None:
    state = await record_placement(pool, "P-1", sessions_today=False)
    statuses = session_cadence(state)
    assert statuses
    for status in statuses:
        for now in around(status.missed_from):
            rows = await session_cadences(pool, participant_id="P-1", now=now)
            [row] = [r for r in rows if r.kind == status.kind.value]
            assert row.missed == status.is_missed(now), (status.kind, now)
            missed = await session_cadences(pool, missed_only=True, now=now)
            assert sorted(r.kind for r in missed) == sorted(
                s.kind.value for s in statuses if s.is_missed(now)
            )
