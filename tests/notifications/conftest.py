"""Fixtures of the notification tests: people in the directory, and the activity wired to
them and to the real SMTP sink (the `sink` fixture of tests/conftest.py)."""

from __future__ import annotations

import asyncpg
import pytest

from activities.notifications import NotificationActivities
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink

PEOPLE = [
    ("mgr-1", "Ann Manager", "ann.manager@example.org"),
    ("asr-1", "Bob Assessor", "bob.assessor@example.org"),
    ("par-1", "Pat Participant", "pat.participant@example.org"),
]


@pytest.fixture
async def people(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [(person, name, email, ["manager"]) for person, name, email in PEOPLE],
    )


@pytest.fixture
def notifications(pool: asyncpg.Pool, sink: SmtpSink, people: None) -> NotificationActivities:
    settings = load_settings(smtp_host=sink.host, smtp_port=sink.port, smtp_sender="scls@scls.test")
    return NotificationActivities(pool, settings.smtp)
