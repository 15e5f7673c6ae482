"""The nightly retention run, as its schedule starts it, against a clock set on either side
of the policy's six years after a participant withdrew: the day before, only mail bodies
and sign-ins past their periods are cleared; the day after, the participant is forgotten
too. A participant still on the programme never is. Each run is on record."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.data_protection.events import RetentionApplied
from domain.data_protection.personal import ERASED
from domain.data_protection.retention import left_at
from scls.settings import load_settings
from store.events import read_stream
from tests.data_protection.record_builders import DOCUMENT, EVIDENCE, PID, record_a_leaver
from worker import build_worker
from workflows.retention import RetentionRun, RetentionWorkflow

pytestmark = pytest.mark.postgres


async def evidence_text(pool: asyncpg.Pool) -> set[str]:
    events = await read_stream(pool, f"participant-{PID}")
    return {e.data["text"] for e in events if e.type == "EvidenceAdded"}


async def test_the_nightly_run_forgets_a_leaver_once_the_period_has_passed(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    documents = tmp_path / "documents"
    left = left_at(await record_a_leaver(pool, documents))
    assert left is not None
    task_queue = f"retention-{uuid.uuid4().hex[:8]}"
    settings = load_settings(documents_dir=documents, temporal_task_queue=task_queue)
    six_years_on = left + timedelta(days=round(365.25 * 6))

    async def run_as_of(as_of: datetime) -> RetentionApplied:
        return await dev_env.client.execute_workflow(
            RetentionWorkflow.run,
            RetentionRun(as_of=as_of),
            id=f"scls-nightly-retention-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )

    async with build_worker(dev_env.client, pool, task_queue, settings):
        day_before = await run_as_of(six_years_on - timedelta(days=1))
        assert day_before.forgotten == ()
        assert (day_before.mail_bodies_cleared, day_before.sign_ins_deleted) == (1, 1)
        assert EVIDENCE in await evidence_text(pool)

        day_after = await run_as_of(six_years_on + timedelta(days=1))
        assert day_after.forgotten == (PID,)  # never PARTNER, still on the programme
        assert (day_after.mail_bodies_cleared, day_after.sign_ins_deleted) == (0, 0)

    assert await evidence_text(pool) == {ERASED}
    assert not (documents / DOCUMENT.sha256[:2] / DOCUMENT.sha256).exists()
    assert await pool.fetchval("SELECT body FROM outbox") == ERASED
    recorded = [
        (e.type, e.data.get("person_id")) for e in await read_stream(pool, "data-protection")
    ]
    assert recorded == [
        ("RetentionApplied", None),
        ("PersonForgotten", PID),
        ("RetentionApplied", None),
    ]
