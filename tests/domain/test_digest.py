"""The weekly digest's rules: which week an instant belongs to, the order of a digest's
lines, and who is mailed each reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.digest import digest_week, in_digest_order
from domain.errors import NotUtc
from domain.mail import NotificationKind
from domain.people import MailPreference


@dataclass(frozen=True)
class Line:
    name: str
    overdue: bool
    due_at: datetime


MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_given_open_tasks_when_ordered_for_a_digest_then_the_longest_overdue_comes_first() -> None:
    lines = [
        Line("due next week", False, MONDAY + timedelta(days=7)),
        Line("overdue a day", True, MONDAY - timedelta(days=1)),
        Line("due tomorrow", False, MONDAY + timedelta(days=1)),
        Line("overdue a month", True, MONDAY - timedelta(days=30)),
    ]
    assert [line.name for line in in_digest_order(lines)] == [
        "overdue a month",
        "overdue a day",
        "due tomorrow",
        "due next week",
    ]


@pytest.mark.parametrize(
    ("instant", "week"),
    [
        (MONDAY, "2026-W50"),
        # Sunday 23:30 in London is still the week before; 00:30 on Monday (BST) is not.
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "2026-W49"),
        (datetime(2026, 6, 14, 23, 30, tzinfo=UTC), "2026-W25"),
        # ISO weeks cross years: 1 January 2027 is a Friday of 2026's last week.
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "2026-W53"),
    ],
)
def test_given_an_instant_then_its_digest_week_is_the_iso_week_in_england(
    instant: datetime, week: str
) -> None:
    assert digest_week(instant) == week


def test_a_naive_instant_has_no_digest_week() -> None:
    with pytest.raises(NotUtc):
        digest_week(datetime(2026, 12, 7, 7, 0))


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_given_a_digest_only_person_then_only_reminders_wait_for_the_digest(
    kind: NotificationKind,
) -> None:
    assert MailPreference.EACH_EVENT.by_mail(kind)
    assert MailPreference.DIGEST.by_mail(kind) is (kind is not NotificationKind.TASK_REMINDER)
