"""`scls evidence`, `scls reports` and `scls reviews` against a 2026.1 participant's
workflow on the dev server, run fast: evidence with a file handed in, sent back and
approved; a file past the store's limit refused with nothing stored; a progress review
filled in and signed by all three, a second signature refused; a report sent back by
the mentor, written again and approved. Exit codes as the README says."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from domain.programme.phases import Phase
from domain.programme.tasks import Task, TaskKind
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink
from tests.cli import run_cli_async, stack_env
from tests.domain.domain_builders import SUPPORT
from tests.workflows.programme_driver import answer_until, state_of
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

PID = f"P-{uuid.uuid4().hex[:6]}"
FAST = 1_500_000.0  # two programme years in about forty seconds
WORKBOOK = b"%PDF-1.7\nCare Certificate workbook, standard 3\n"


@pytest.fixture
async def participant(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, sink: SmtpSink, tmp_path: Path
) -> AsyncIterator[WorkflowHandle]:
    settings = load_settings(data_dir=tmp_path, smtp_host=sink.host, smtp_port=sink.port)
    task_queue = f"work-{uuid.uuid4().hex[:8]}"
    async with build_worker(dev_env.client, pool, task_queue, settings):
        enrolment = Enrol(
            participant_id=PID,
            cohort_id="C-work",
            programme_version="2026.1",
            time_scale=FAST,
            programme_start=datetime.now(UTC) + timedelta(seconds=2),
            home_id="H-1",
            support=SUPPORT,
        )
        handle = await dev_env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(PID),
            task_queue=task_queue,
        )
        try:
            yield handle
        finally:
            with contextlib.suppress(RPCError):  # the test may have stopped it
                await handle.terminate("test over")


def _before_the_placement(task: Task) -> bool:
    return task.kind in (TaskKind.PRE_START_CHECKS, TaskKind.INSTITUTE_COMPLETION)


async def test_evidence_reviews_and_reports_from_the_command_line(
    participant: WorkflowHandle,
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    env = stack_env(
        tmp_path / "cli",
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_DOCUMENTS_MAX_BYTES="1000",
    )
    documents = tmp_path / "cli" / "documents"

    async def cli(*args: str, code: int = 0) -> str:
        done = await run_cli_async(*args, env=env)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done.stdout if code == 0 else done.stderr

    await answer_until(
        participant, lambda s: s.phase == Phase.CARE_PLACEMENT, _before_the_placement
    )

    # Evidence with a file, for standard 3.
    workbook = tmp_path / "workbook.pdf"
    workbook.write_bytes(WORKBOOK)
    added = json.loads(
        await cli(
            "evidence",
            "add",
            PID,
            "3",
            "--as",
            PID,
            "--kind",
            "knowledge",
            "--text",
            "My workbook",
            "--file",
            str(workbook),
            "--json",
        )
    )
    [ref] = added["documents"]
    assert (ref["name"], ref["content_type"], ref["size"]) == (
        "workbook.pdf",
        "application/pdf",
        len(WORKBOOK),
    )
    assert (documents / ref["sha256"][:2] / ref["sha256"]).read_bytes() == WORKBOOK
    # A file past the limit: refused in words, nothing stored, nothing recorded.
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF" + b"x" * 1996)
    events_before = await pool.fetchval("SELECT count(*) FROM events")
    refusal = await cli(
        "evidence",
        "add",
        PID,
        "3",
        "--as",
        PID,
        "--kind",
        "observation",
        "--text",
        "Scanned record",
        "--file",
        str(big),
        code=1,
    )
    assert "refused: scan.pdf is 2 KB: files may be at most 1000 bytes" in refusal
    assert [p.name for p in documents.rglob("*") if p.is_file()] == [ref["sha256"]]
    state = await state_of(participant)
    assert len(state.work["care_certificate.3"].items) == 1
    assert await pool.fetchval("SELECT count(*) FROM events WHERE type = 'EvidenceAdded'") == 1, (
        events_before
    )
    # Someone else may not add the participant's evidence.
    refusal = await cli(
        "evidence",
        "add",
        PID,
        "3",
        "--as",
        SUPPORT.registered_manager,
        "--kind",
        "observation",
        "--text",
        "Seen",
        code=1,
    )
    assert "only the participant hands in their own work" in refusal

    # Handed in, sent back by the assessor, handed in again, approved.
    out = await cli("evidence", "submit", PID, "3", "--as", PID)
    assert f"care_certificate.3 is {SUPPORT.assessor}'s to answer" in out
    await cli(
        "tasks",
        "decide",
        f"{PID}/care_certificate.3",
        "--as",
        SUPPORT.assessor,
        "--outcome",
        "send_back",
        "--comment",
        "No observation of your practice",
    )
    state = await state_of(participant)
    assert state.tasks["care_certificate.3.work"].assignee == PID
    await cli(
        "evidence",
        "add",
        PID,
        "3",
        "--as",
        PID,
        "--kind",
        "observation",
        "--text",
        "Observed by my Registered Manager on a morning shift",
    )
    out = await cli("evidence", "submit", PID, "3", "--as", PID)
    assert "version 2" in out and "care_certificate.3~2" in out
    await cli(
        "tasks",
        "decide",
        f"{PID}/care_certificate.3~2",
        "--as",
        SUPPORT.assessor,
        "--outcome",
        "approve",
    )
    listed = json.loads(await cli("evidence", "list", PID, "--standard", "3", "--json"))
    [standard] = listed
    assert standard["signed_off"] is True
    assert [v["items"] for v in standard["versions"]] == [[1], [1, 2]]
    assert [a["status"] for a in standard["answers"]] == ["sent_back", "approved"]

    # Progress review 1: filled in, signed by all three, a second signature refused.
    await answer_until(participant, lambda s: "progress_review.1" in s.tasks)
    await cli(
        "reviews",
        "draft",
        PID,
        "1",
        "--as",
        SUPPORT.development_lead,
        "--progress",
        "Standard 3 signed off",
        "--wellbeing",
        "Well",
        "--action",
        f"Shadow the night shift|{PID}|2099-01-31",
    )
    out = await cli("reviews", "sign", PID, "1", "--as", PID)
    assert "waiting for employer, development lead" in out
    refusal = await cli("reviews", "sign", PID, "1", "--as", PID, code=1)
    assert f"refused: {PID} signed progress review 1 (version 1) already" in refusal
    await cli("reviews", "sign", PID, "1", "--as", SUPPORT.registered_manager)
    out = await cli("reviews", "sign", PID, "1", "--as", SUPPORT.development_lead)
    assert "signed by all three, the review is closed" in out
    shown = json.loads(await cli("reviews", "show", PID, "1", "--json"))
    assert shown["fully_signed"] is True and shown["waiting_for"] == []
    assert [a["number"] for a in shown["forms"][0]["actions"]] == ["1.1"]

    # The rest of the placement signed, on to outplacement 1 and its report.
    def in_the_placement(task: Task) -> bool:
        return task.kind in (TaskKind.CARE_CERTIFICATE_STANDARD, TaskKind.PLACEMENT_REVIEW)

    await answer_until(
        participant,
        lambda s: "outplacement_report.1.work" in s.tasks,
        in_the_placement,
        seconds=120,
    )
    report = tmp_path / "report.txt"
    report.write_text("What I learnt in a learning disability service.\n")
    out = await cli("reports", "submit", PID, "1", "--as", PID, "--text-file", str(report))
    assert f"outplacement_report.1 is {SUPPORT.employer_mentor}'s to review" in out
    await cli(
        "tasks",
        "decide",
        f"{PID}/outplacement_report.1",
        "--as",
        SUPPORT.employer_mentor,
        "--outcome",
        "send_back",
        "--comment",
        "Say what you will change at home",
    )
    again = json.loads(
        await cli(
            "reports",
            "submit",
            PID,
            "1",
            "--as",
            PID,
            "--text",
            "What I learnt, and the handover I will change at home.",
            "--json",
        )
    )
    assert [v["version"] for v in again["versions"]] == [1, 2]
    await cli(
        "tasks",
        "decide",
        f"{PID}/outplacement_report.1~2",
        "--as",
        SUPPORT.employer_mentor,
        "--outcome",
        "approve",
    )
    state = await state_of(participant)
    assert state.approval_of("outplacement_report.1") is not None

    # The record, rebuilt from the events, is the one the appends kept: evidence, reports
    # and reviews included.
    await participant.terminate("held still to compare")
    kept = await pool.fetchrow("SELECT * FROM participant_progress WHERE participant_id = $1", PID)
    rebuilt = await cli("projections", "rebuild")
    assert rebuilt.startswith("rebuilt every read model")
    after = await pool.fetchrow("SELECT * FROM participant_progress WHERE participant_id = $1", PID)
    assert dict(after) == dict(kept)
    assert {"care_certificate.3", "outplacement_report.1"} <= set(after["state"]["work"])
    assert after["state"]["reviews"]["1"]["signatures"]
