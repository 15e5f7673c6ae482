"""The task inbox read model follows a participant's events: tasks opened, decided,
reassigned, escalated and delegated; a rebuild gives what the appends kept."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from domain.participant.commands import DecideTask, Delegate, ReassignTask
from domain.participant.timeline import due, next_wakeup
from store.inbox import open_tasks
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import PROGRAMME_START
from tests.inbox.inbox_builders import ENROLLED_AT, Recorder, assert_inbox_agrees

pytestmark = pytest.mark.postgres

INBOX_TABLES = ("task_inbox", "task_delegation")


async def rows(pool: asyncpg.Pool, participant_id: str) -> list[tuple[str, str, int]]:
    return [
        (r["task_id"], r["assignee"], r["escalation_level"])
        for r in await pool.fetch(
            "SELECT task_id, assignee, escalation_level FROM task_inbox "
            "WHERE participant_id = $1 ORDER BY due_at, task_id",
            participant_id,
        )
    ]


async def run_until(recorder: Recorder, until: object) -> None:
    """Wake at each timetable instant until `until`, appending what falls due."""
    while (wakeup := next_wakeup(recorder.state)) is not None and wakeup <= until:  # type: ignore[operator]
        await recorder.record(due(recorder.state, wakeup))


async def test_rows_follow_opening_deciding_reassigning_escalating_and_delegating(
    pool: asyncpg.Pool,
) -> None:
    p = Recorder(pool, "P-1")
    await p.enrol()
    assert await rows(pool, "P-1") == [("pre_start_checks", "P-ops-1", 0)]
    await assert_inbox_agrees(pool, p.state, ENROLLED_AT)

    # Decided: the row goes; the next phase's task comes.
    approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")
    await p.command(approve, PROGRAMME_START - timedelta(days=1))
    assert await rows(pool, "P-1") == []
    await p.record(due(p.state, PROGRAMME_START))
    assert await rows(pool, "P-1") == [("institute_completion", "P-institute-1", 0)]

    # Reassigned: the row moves to the new assignee's inbox.
    now = PROGRAMME_START + timedelta(days=2)
    handed = ReassignTask(
        task_id="institute_completion", to_person="P-institute-2", by="P-devlead-1"
    )
    await p.command(handed, now)
    assert await rows(pool, "P-1") == [("institute_completion", "P-institute-2", 0)]
    assert await open_tasks(pool, assignee="P-institute-1", now=now) == []
    assert [e.task_id for e in await open_tasks(pool, assignee="P-institute-2", now=now)] == [
        "institute_completion"
    ]

    # Delegated for a window: the deputy sees it inside the window only.
    starts, until = PROGRAMME_START + timedelta(weeks=2), PROGRAMME_START + timedelta(weeks=4)
    away = Delegate(
        from_person="P-institute-2",
        to_person="P-deputy-9",
        starts_at=starts,
        until=until,
        by="P-institute-2",
    )
    await p.command(away, now)
    assert await pool.fetchval("SELECT count(*) FROM task_delegation") == 1
    for moment, seen in (
        (starts - timedelta(minutes=1), False),
        (starts, True),
        (until - timedelta(minutes=1), True),
        (until, False),
    ):
        inbox = await open_tasks(pool, assignee="P-deputy-9", now=moment)
        assert bool(inbox) == seen, moment
        if seen:
            assert (inbox[0].assignee, inbox[0].delegate) == ("P-institute-2", "P-deputy-9")
        await assert_inbox_agrees(pool, p.state, moment)
    # The assignee keeps seeing their task while a deputy stands in.
    assert len(await open_tasks(pool, assignee="P-institute-2", now=starts)) == 1

    # Reminders, the delegation's end, then escalations: the level is kept on the row.
    await run_until(p, PROGRAMME_START + timedelta(weeks=11))
    assert await rows(pool, "P-1") == [("institute_completion", "P-institute-2", 2)]
    later = PROGRAMME_START + timedelta(weeks=11)
    await assert_inbox_agrees(pool, p.state, later)
    (entry,) = await open_tasks(pool, participant="P-1", now=later)
    assert entry.overdue and entry.delegate is None

    # Sent back: closed, and asked again as a new attempt.
    back = DecideTask(
        task_id="institute_completion",
        decided_by="P-institute-2",
        outcome="send_back",
        comment="attendance record missing",
    )
    await p.command(back, later)
    assert await rows(pool, "P-1") == [("institute_completion~2", "P-institute-2", 0)]
    await assert_inbox_agrees(pool, p.state, later)


async def test_the_latest_overlapping_delegation_wins(pool: asyncpg.Pool) -> None:
    p = Recorder(pool, "P-1")
    await p.at_institute()
    now = PROGRAMME_START + timedelta(days=1)
    first = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-1",
        starts_at=now,
        until=now + timedelta(weeks=4),
        by="P-institute-1",
    )
    await p.command(first, now)
    second = first.model_copy(
        update={"to_person": "P-deputy-2", "starts_at": now + timedelta(weeks=1)}
    )
    await p.command(second, now)
    overlap = now + timedelta(weeks=2)
    assert await open_tasks(pool, assignee="P-deputy-1", now=overlap) == []
    assert len(await open_tasks(pool, assignee="P-deputy-2", now=overlap)) == 1
    assert len(await open_tasks(pool, assignee="P-deputy-1", now=now)) == 1
    for moment in (now, overlap):
        await assert_inbox_agrees(pool, p.state, moment)


async def test_reminders_alone_do_not_rewrite_the_inbox(pool: asyncpg.Pool) -> None:
    p = Recorder(pool, "P-1")
    await p.at_institute()
    before = await pool.fetchval("SELECT xmin::text FROM task_inbox")
    first_reminder = next_wakeup(p.state)
    assert first_reminder is not None
    events = due(p.state, first_reminder)
    assert {e.type for e in events} == {"TaskReminderDue"}
    await p.record(events)
    assert await pool.fetchval("SELECT xmin::text FROM task_inbox") == before
    await assert_inbox_agrees(pool, p.state, first_reminder)


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[dict[str, object]]]:
    return {
        table: [dict(r) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]
        for table in INBOX_TABLES
    }


async def test_rebuild_gives_the_inbox_the_appends_kept(pool: asyncpg.Pool) -> None:
    for number in range(4):
        p = Recorder(pool, f"P-{number}")
        await p.at_institute(cohort_id=f"C-{number % 2}")
        now = PROGRAMME_START + timedelta(days=1)
        if number % 2:
            away = Delegate(
                from_person="P-institute-1",
                to_person=f"P-deputy-{number}",
                starts_at=now,
                until=now + timedelta(weeks=3),
                by="P-ops-1",
            )
            await p.command(away, now)
        await run_until(p, PROGRAMME_START + timedelta(weeks=4 + 3 * number))
    incremental = await snapshot(pool)
    assert len(incremental["task_inbox"]) >= 4
    assert len(incremental["task_delegation"]) == 2

    await pool.execute("UPDATE task_inbox SET assignee = 'nobody', escalation_level = 9")
    await pool.execute("DELETE FROM task_delegation")
    await pool.execute(
        "INSERT INTO task_inbox SELECT 'P-ghost', task_id, cohort_id, kind, title, phase, "
        "assignee, role, opened_at, due_at, escalation_level FROM task_inbox "
        "WHERE participant_id = 'P-0'"
    )
    await PROJECTIONS.rebuild(pool)
    assert await snapshot(pool) == incremental


def test_the_inbox_is_projected_after_the_progress_it_reads() -> None:
    names = [projector.name for projector in PROJECTIONS.projectors]
    assert names.index("participant_progress") < names.index("task_inbox")
