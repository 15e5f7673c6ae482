"""Reading the inbox: every filter, the sort orders, overdue worked out at the instant of
the query, a deputy's inbox, and names from the directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from domain.people import Directory, Person, Provider
from domain.roles import Role
from store.directory import load_directory
from store.inbox import open_tasks

pytestmark = pytest.mark.postgres

T0 = datetime(2027, 10, 1, 9, 0, tzinfo=UTC)

# participant, task, cohort, kind, assignee, role, due (days after T0), escalation level
TASKS = [
    (
        "P-1",
        "care_certificate.1",
        "C-a",
        "care_certificate_standard",
        "assessor-1",
        "assessor",
        1,
        0,
    ),
    ("P-1", "progress_review.1", "C-a", "progress_review", "dl-1", "development_lead", 5, 0),
    (
        "P-2",
        "care_certificate.1",
        "C-a",
        "care_certificate_standard",
        "assessor-1",
        "assessor",
        3,
        1,
    ),
    ("P-2", "placement_review", "C-a", "placement_review", "rm-2", "registered_manager", -2, 2),
    (
        "P-3",
        "care_certificate.2",
        "C-b",
        "care_certificate_standard",
        "assessor-2",
        "assessor",
        2,
        0,
    ),
    ("P-3", "phase_review", "C-b", "phase_review", "rm-3", "registered_manager", 10, 0),
]


async def seed(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO task_inbox (participant_id, task_id, cohort_id, kind, title, assignee, "
        "role, opened_at, due_at, escalation_level) "
        "VALUES ($1, $2, $3, $4, $2, $5, $6, $7, $8, $9)",
        [
            (p, t, c, k, a, r, T0 - timedelta(days=30 - d), T0 + timedelta(days=d), e)
            for p, t, c, k, a, r, d, e in TASKS
        ],
    )
    # rm-2 is away for a week from T0; assessor-1 handed P-2 to assessor-2 for the same week.
    await pool.executemany(
        "INSERT INTO task_delegation VALUES ($1, $2, $3, $4, $5, $6, $3, false)",
        [
            ("P-2", 1, "rm-2", "deputy-9", T0, T0 + timedelta(weeks=1)),
            ("P-2", 2, "assessor-1", "assessor-2", T0, T0 + timedelta(weeks=1)),
        ],
    )


def keys(entries: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{e.participant_id}/{e.task_id}" for e in entries]


async def test_filters(pool: asyncpg.Pool) -> None:
    await seed(pool)
    now = T0
    assert keys(await open_tasks(pool, now=now)) == [
        "P-2/placement_review",
        "P-1/care_certificate.1",
        "P-3/care_certificate.2",
        "P-2/care_certificate.1",
        "P-1/progress_review.1",
        "P-3/phase_review",
    ]
    assert keys(await open_tasks(pool, role=Role.ASSESSOR, now=now)) == [
        "P-1/care_certificate.1",
        "P-3/care_certificate.2",
        "P-2/care_certificate.1",
    ]
    assert keys(await open_tasks(pool, cohort="C-b", now=now)) == [
        "P-3/care_certificate.2",
        "P-3/phase_review",
    ]
    assert keys(await open_tasks(pool, kind="placement_review", now=now)) == [
        "P-2/placement_review"
    ]
    assert keys(await open_tasks(pool, role="assessor", cohort="C-a", now=now)) == [
        "P-1/care_certificate.1",
        "P-2/care_certificate.1",
    ]
    assert await open_tasks(pool, cohort="C-nobody", now=now) == []
    assert len(await open_tasks(pool, limit=2, now=now)) == 2


async def test_an_assignees_inbox_includes_what_is_delegated_to_them_now(
    pool: asyncpg.Pool,
) -> None:
    await seed(pool)
    inside, after = T0 + timedelta(days=1), T0 + timedelta(weeks=1)
    assert keys(await open_tasks(pool, assignee="assessor-2", now=inside)) == [
        "P-3/care_certificate.2",
        "P-2/care_certificate.1",
    ]
    assert keys(await open_tasks(pool, assignee="assessor-2", now=after)) == [
        "P-3/care_certificate.2"
    ]
    # The assignee still sees their own, with the deputy named while the window is open.
    mine = await open_tasks(pool, assignee="assessor-1", now=inside)
    assert [(e.task_id, e.participant_id, e.delegate) for e in mine] == [
        ("care_certificate.1", "P-1", None),
        ("care_certificate.1", "P-2", "assessor-2"),
    ]
    assert [e.delegate for e in await open_tasks(pool, assignee="assessor-1", now=after)] == [
        None,
        None,
    ]
    assert keys(await open_tasks(pool, assignee="deputy-9", now=inside)) == ["P-2/placement_review"]
    assert await open_tasks(pool, assignee="deputy-9", now=T0 - timedelta(seconds=1)) == []
    # Filters combine with the deputy's side too.
    assert await open_tasks(pool, assignee="deputy-9", role="assessor", now=inside) == []


async def test_overdue_is_worked_out_when_the_inbox_is_read(pool: asyncpg.Pool) -> None:
    await seed(pool)
    at_start = await open_tasks(pool, overdue=True, now=T0)
    assert keys(at_start) == ["P-2/placement_review"]
    assert all(e.overdue for e in at_start)
    # The same rows, four days on: three more have fallen due (due at 'now' is overdue).
    later = T0 + timedelta(days=3)
    assert keys(await open_tasks(pool, overdue=True, now=later)) == [
        "P-2/placement_review",
        "P-1/care_certificate.1",
        "P-3/care_certificate.2",
        "P-2/care_certificate.1",
    ]
    assert keys(await open_tasks(pool, overdue=False, now=later)) == [
        "P-1/progress_review.1",
        "P-3/phase_review",
    ]
    assert [e.overdue for e in await open_tasks(pool, now=later)] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    # Without `now`, the database's clock: 2027 is still ahead of it.
    assert await open_tasks(pool, overdue=True) == []
    assert not any(e.overdue for e in await open_tasks(pool))


async def test_sort_orders(pool: asyncpg.Pool) -> None:
    await seed(pool)
    by_escalation = await open_tasks(pool, sort="escalation", now=T0)
    assert [e.escalation_level for e in by_escalation] == [2, 1, 0, 0, 0, 0]
    assert keys(by_escalation)[2:] == [
        "P-1/care_certificate.1",
        "P-3/care_certificate.2",
        "P-1/progress_review.1",
        "P-3/phase_review",
    ]
    by_opened = await open_tasks(pool, sort="opened", now=T0)
    assert [e.opened_at for e in by_opened] == sorted(e.opened_at for e in by_opened)
    by_participant = await open_tasks(pool, sort="participant", now=T0)
    assert [e.participant_id for e in by_participant] == ["P-1", "P-1", "P-2", "P-2", "P-3", "P-3"]
    with pytest.raises(ValueError, match="unknown sort"):
        await open_tasks(pool, sort="alphabetical")  # type: ignore[arg-type]


async def test_names_come_from_the_directory_and_unknown_people_show_their_id(
    pool: asyncpg.Pool,
) -> None:
    await seed(pool)
    await load_directory(
        pool,
        Directory(
            providers=(Provider(provider_id="prov-1", name="Care Ltd"),),
            people=(
                Person(
                    person_id="P-1",
                    display_name="Ada Participant",
                    email="ada@example.org",
                    roles=frozenset({Role.PARTICIPANT}),
                ),
                Person(
                    person_id="assessor-1",
                    display_name="Grace Assessor",
                    email="grace@example.org",
                    roles=frozenset({Role.ASSESSOR}),
                ),
                Person(
                    person_id="assessor-2",
                    display_name="Alan Assessor",
                    email="alan@example.org",
                    roles=frozenset({Role.ASSESSOR}),
                ),
            ),
        ),
    )
    entries = await open_tasks(pool, role="assessor", now=T0)
    assert [(e.participant_name, e.assignee_name, e.delegate_name) for e in entries] == [
        ("Ada Participant", "Grace Assessor", None),
        ("P-3", "Alan Assessor", None),
        ("P-2", "Grace Assessor", "Alan Assessor"),
    ]
