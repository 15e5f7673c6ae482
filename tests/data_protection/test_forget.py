"""A subject-access export finds every item of a participant's record; forgetting them
after they withdrew leaves the record's shape (every event, version and count) and
nothing of its personal content, in the log, the read models, the outbox or the files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import asyncpg
import pytest

from domain.data_protection.personal import ERASED
from domain.data_protection.subjects import PERSONAL_FIELDS
from store.read_models import PROJECTIONS
from tests.cli import run_cli_async, stack_env
from tests.data_protection.record_builders import (
    COHORT,
    DOCUMENT,
    FILE_BYTES,
    MAIL_BODY,
    PARTNER,
    PERSONAL_MARKERS,
    PID,
    record_a_leaver,
)

pytestmark = pytest.mark.postgres

READ_MODELS = (
    "participant_progress",
    "task_inbox",
    "task_delegation",
    "session_cadence",
    "cohort_summary",
    "intervention_case",
    "alumni_record",
)


async def everything_readable(pool: asyncpg.Pool) -> str:
    """Every read model, the outbox and the directory as text, and the event log as
    the store reads it back."""
    from store.events import read_stream

    parts = [
        json.dumps([dict(r) for r in await pool.fetch(f"SELECT * FROM {table}")], default=str)
        for table in (*READ_MODELS, "outbox", "people")
    ]
    for stream in (f"participant-{PID}", f"participant-{PARTNER}", f"cohort-{COHORT}"):
        parts += [json.dumps(e.data) for e in await read_stream(pool, stream)]
    return "\n".join(parts)


async def test_export_then_forget_a_withdrawn_participant(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    documents = tmp_path / "documents"
    await record_a_leaver(pool, documents)
    env = stack_env(tmp_path, SCLS_DATABASE_URL=database_url, SCLS_DOCUMENTS_DIR=str(documents))

    # At rest, the personal content is sealed: not in the events table's JSON at all.
    raw = "\n".join(json.dumps(row["data"]) for row in await pool.fetch("SELECT data FROM events"))
    assert [marker for marker in PERSONAL_MARKERS if marker in raw] == []
    readable = await everything_readable(pool)
    assert [marker for marker in PERSONAL_MARKERS if marker not in readable] == []

    # The export holds each item, decrypted, and the file.
    zip_path = tmp_path / "export.zip"
    exported = await run_cli_async("person", "export", PID, "--out", str(zip_path), env=env)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        assert {"person.json", "events.json", "tasks.json", "mail.json", "sign-ins.json"} <= names
        events = json.loads(archive.read("events.json"))
        text = json.dumps(events)
        assert all(marker in text for marker in PERSONAL_MARKERS)
        assert {
            "EvidenceAdded",
            "ReportSubmitted",
            "ConcernRaised",
            "SupportSessionRecorded",
            "ParticipantWithdrawn",
        } <= {e["type"] for e in events}
        assert "Amy Example" in archive.read("person.json").decode()
        assert MAIL_BODY in archive.read("mail.json").decode()
        assert len(json.loads(archive.read("sign-ins.json"))) == 1
        [listed] = json.loads(archive.read("documents.json"))
        assert listed["name"] == DOCUMENT.name
        assert archive.read(listed["file"]) == FILE_BYTES

    # What a user notices before and after: the log's shape and the cohort's report.
    shape = "SELECT stream, version, event_id, type FROM events ORDER BY position"
    before = [tuple(row) for row in await pool.fetch(shape)]
    report = ("report", "cohort", COHORT, "--format", "json")
    report_before = await run_cli_async(*report, env=env)
    assert report_before.returncode == 0, report_before.stderr

    nobody = await run_cli_async("person", "export", "P-nobody", env=env)
    assert nobody.returncode == 2 and "nothing is held about P-nobody" in nobody.stderr
    not_ops = await run_cli_async(
        "person", "forget", PID, "--reason", "request", "--by", PARTNER, env=env
    )
    assert not_ops.returncode == 1 and f"{PARTNER} is not ops" in not_ops.stderr

    # A participant still on the programme is never forgotten; nothing changes.
    running = await run_cli_async(
        "person", "forget", PARTNER, "--reason", "request", "--by", "P-ops-1", env=env
    )
    assert running.returncode == 1
    assert f"{PARTNER} is still on the programme (active)" in running.stderr
    assert [tuple(row) for row in await pool.fetch(shape)] == before

    forgot = await run_cli_async(
        "person",
        "forget",
        PID,
        "--reason",
        "erasure request of 2028-03-01",
        "--by",
        "P-ops-1",
        env=env,
    )
    assert forgot.returncode == 0, forgot.stderr
    assert "files deleted" in forgot.stdout

    # Every event is still there, at the same version; one more records the erasure.
    after = [tuple(row) for row in await pool.fetch(shape)]
    assert after[: len(before)] == before
    [(stream, _, _, kind)] = after[len(before) :]
    assert (stream, kind) == ("data-protection", "PersonForgotten")

    # Every personal field reads as erased, and nothing personal is readable anywhere.
    from store.events import read_stream

    for event in await read_stream(pool, f"participant-{PID}"):
        for name, where in PERSONAL_FIELDS.get(event.type, {}).items():
            if where is True and event.data.get(name) is not None:
                assert event.data[name] == ERASED, (event.type, name)
    readable = await everything_readable(pool)
    assert not [
        marker for marker in (*PERSONAL_MARKERS, MAIL_BODY, "Amy Example") if marker in readable
    ]

    # Read models rebuilt from the log again show no trace either.
    await PROJECTIONS.rebuild(pool)
    rebuilt = await everything_readable(pool)
    assert [marker for marker in PERSONAL_MARKERS if marker in rebuilt] == []

    # Their file is gone; sign-ins too; the report's counts are unchanged.
    assert not (documents / DOCUMENT.sha256[:2] / DOCUMENT.sha256).exists()
    assert await pool.fetchval("SELECT count(*) FROM web_sessions") == 0
    report_after = await run_cli_async(*report, env=env)
    assert json.loads(report_after.stdout) == json.loads(report_before.stdout)

    # Forgetting them again changes nothing, and says so.
    again = await run_cli_async(
        "person", "forget", PID, "--reason", "again", "--by", "P-ops-1", env=env
    )
    assert again.returncode == 1 and "already forgotten" in again.stderr
