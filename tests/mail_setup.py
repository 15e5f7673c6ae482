"""People in the directory and settings that mail them through the test's SMTP sink, for
tests that check who was told what."""

from __future__ import annotations

import asyncpg

from scls.settings import Settings, load_settings
from scls.stack.smtp_sink import SmtpSink


async def mail_to(
    pool: asyncpg.Pool, sink: SmtpSink, people: dict[str, tuple[str, str]]
) -> Settings:
    """Put `people` (person id: name, email) in the directory; settings for the sink."""
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [(pid, name, email, ["ops"]) for pid, (name, email) in people.items()],
    )
    return load_settings(smtp_host=sink.host, smtp_port=sink.port, smtp_sender="scls@scls.test")
