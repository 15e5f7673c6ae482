"""`scls tasks decide/reassign/delegate` against a real participant workflow on the dev
server: refusals exit 1 with the rule's reason, what is allowed reaches the inbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from store.inbox import InboxEntry, open_tasks
from tests.cli import run_cli_async, stack_env
from tests.domain.domain_builders import SUPPORT
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres


@pytest.fixture
async def participant(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[tuple[str, WorkflowHandle]]:
    """A participant enrolled now, starting in two weeks, with a worker running for them."""
    task_queue = f"inbox-{uuid.uuid4().hex[:8]}"
    participant_id = f"P-{uuid.uuid4().hex[:8]}"
    enrolment = Enrol(
        participant_id=participant_id,
        cohort_id="C-north-2027",
        programme_version="2025.1",
        programme_start=datetime.now(UTC) + timedelta(weeks=2),
        home_id="H-1",
        support=SUPPORT,
    )
    async with build_worker(dev_env.client, pool, task_queue):
        handle = await dev_env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(participant_id),
            task_queue=task_queue,
        )
        await inbox_until(pool, lambda entries: bool(entries), participant=participant_id)
        try:
            yield participant_id, handle
        finally:
            await handle.terminate("test over")


async def inbox_until(
    pool: asyncpg.Pool, done: Callable[[list[InboxEntry]], bool], **filters: str
) -> list[InboxEntry]:
    """The inbox once `done(entries)` holds (the read model is written by the worker)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30  # generous: CI machines run other suites beside this one
    while True:
        entries = await open_tasks(pool, **filters)  # type: ignore[arg-type]
        if done(entries):
            return entries
        if loop.time() > deadline:
            raise AssertionError(f"inbox never got there: {entries}")
        await asyncio.sleep(0.05)


def cli_env(tmp_path: Path, dev_env: WorkflowEnvironment, database_url: str) -> dict[str, str]:
    return stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
    )


async def test_decide_refused_then_reassigned_delegated_and_decided_by_the_deputy(
    participant: tuple[str, WorkflowHandle],
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    pid, handle = participant
    env = cli_env(tmp_path, dev_env, database_url)
    (checks,) = await open_tasks(pool, participant=pid)
    assert (checks.task_id, checks.assignee) == ("pre_start_checks", "P-ops-1")
    task = f"{pid}/pre_start_checks"

    # Refused by the scheme's rules: exit 1, the validator's reason in plain words.
    refused = await run_cli_async(
        "tasks", "decide", task, "--as", "P-rm-1", "--outcome", "approve", env=env
    )
    assert refused.returncode == 1, refused.stderr
    assert "P-rm-1 may not decide task pre_start_checks" in refused.stderr
    assert "Traceback" not in refused.stderr
    no_comment = await run_cli_async(
        "tasks", "decide", task, "--as", "P-ops-1", "--outcome", "reject", env=env
    )
    assert no_comment.returncode == 1
    assert "a comment is required to reject task pre_start_checks" in no_comment.stderr

    # Reassigned: the inbox follows.
    moved = await run_cli_async(
        "tasks",
        "reassign",
        task,
        "--to",
        "P-ops-2",
        "--by",
        "P-ops-1",
        "--reason",
        "leave",
        env=env,
    )
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == f"{task}: now assigned to P-ops-2"
    await inbox_until(pool, lambda e: len(e) == 1, assignee="P-ops-2")
    assert await open_tasks(pool, assignee="P-ops-1") == []
    wrong = await run_cli_async(
        "tasks", "reassign", task, "--to", "P-ops-3", "--by", "P-coach-1", env=env
    )
    assert wrong.returncode == 1 and "P-coach-1 may not reassign" in wrong.stderr

    # Delegated: every participant with a task for P-ops-2 (here one); the deputy sees it.
    until = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    away = await run_cli_async(
        "tasks", "delegate", "--from", "P-ops-2", "--to", "P-ops-3", "--until", until, env=env
    )
    assert away.returncode == 0, away.stderr
    assert "on 1 of 1 participants" in away.stdout
    (delegated,) = await inbox_until(pool, lambda e: len(e) == 1, assignee="P-ops-3")
    assert (delegated.assignee, delegated.delegate) == ("P-ops-2", "P-ops-3")

    # The deputy decides for the assignee.
    decided = await run_cli_async(
        "tasks", "decide", task, "--as", "P-ops-3", "--outcome", "approve", env=env
    )
    assert decided.returncode == 0, decided.stderr
    assert decided.stdout.strip() == f"{task}: approved (by P-ops-3 for P-ops-2)"
    await inbox_until(pool, lambda e: e == [], participant=pid)
    state = await handle.query(ParticipantWorkflow.state)
    decision = state.tasks["pre_start_checks"].decision
    assert decision is not None and decision.on_behalf_of == "P-ops-2"

    again = await run_cli_async(
        "tasks", "decide", task, "--as", "P-ops-2", "--outcome", "approve", env=env
    )
    assert again.returncode == 1 and "was already decided" in again.stderr

    # The Registered Manager holds no task now, but supports the participant: a delegation
    # of theirs reaches this participant too, for tasks that open while they are away.
    assert await open_tasks(pool, assignee="P-rm-1") == []
    rm_away = await run_cli_async(
        "tasks", "delegate", "--from", "P-rm-1", "--to", "P-rm-2", "--until", until, env=env
    )
    assert rm_away.returncode == 0, rm_away.stderr
    assert "on 1 of 1 participants" in rm_away.stdout
    state = await handle.query(ParticipantWorkflow.state)
    assert [(d.from_person, d.to_person) for d in state.delegations][-1] == ("P-rm-1", "P-rm-2")


async def test_delegate_with_nothing_to_hand_on_and_unknown_participants(
    participant: tuple[str, WorkflowHandle],
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
) -> None:
    env = cli_env(tmp_path, dev_env, database_url)
    nothing = await run_cli_async(
        "tasks",
        "delegate",
        "--from",
        "P-nobody",
        "--to",
        "P-ops-3",
        "--until",
        "2099-01-01",
        env=env,
    )
    assert nothing.returncode == 0, nothing.stderr
    assert (
        "P-nobody has no open tasks and supports no active participant: nothing to delegate"
        in nothing.stdout
    )
    backwards = await run_cli_async(
        "tasks",
        "delegate",
        "--from",
        "P-ops-1",
        "--to",
        "P-ops-3",
        "--until",
        "2001-01-01",
        env=env,
    )
    assert backwards.returncode == 2
    assert "--until: a delegation must end after it starts" in backwards.stderr
    # A refusal by the rules on a delegation: only the person or ops may grant it.
    by_stranger = await run_cli_async(
        "tasks",
        "delegate",
        "--from",
        "P-ops-1",
        "--to",
        "P-ops-3",
        "--until",
        "2099-01-01",
        "--by",
        "P-coach-1",
        env=env,
    )
    assert by_stranger.returncode == 1
    assert "P-coach-1 may not delegate the tasks of P-ops-1" in by_stranger.stderr

    unknown = await run_cli_async(
        "tasks",
        "decide",
        "P-ghost/pre_start_checks",
        "--as",
        "P-ops-1",
        "--outcome",
        "approve",
        env=env,
    )
    assert unknown.returncode == 2
    assert "participant P-ghost has no running workflow" in unknown.stderr


async def test_decide_without_waiting_records_the_answer_or_its_refusal_on_the_timeline(
    participant: tuple[str, WorkflowHandle],
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    pid, _ = participant
    env = cli_env(tmp_path, dev_env, database_url)
    task = f"{pid}/pre_start_checks"

    # A refused answer sent without waiting exits 0 (nobody was there to be told), and
    # the refusal is on the participant's timeline in the rule's words.
    sent = await run_cli_async(
        "tasks", "decide", task, "--as", "P-rm-1", "--outcome", "approve", "--no-wait", env=env
    )
    assert sent.returncode == 0, sent.stderr
    assert f"{task}: sent" in sent.stdout

    async def timeline() -> str:
        shown = await run_cli_async("participant", "timeline", pid, env=env)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while "may not decide task pre_start_checks" not in (text := await timeline()):
        assert loop.time() < deadline, text
        await asyncio.sleep(0.2)
    assert [e.task_id for e in await open_tasks(pool, participant=pid)] == ["pre_start_checks"]

    # The right person's answer sent the same way is recorded: the task leaves the inbox.
    approved = await run_cli_async(
        "tasks", "decide", task, "--as", "P-ops-1", "--outcome", "approve", "--no-wait", env=env
    )
    assert approved.returncode == 0, approved.stderr
    await inbox_until(
        pool,
        lambda entries: "pre_start_checks" not in {e.task_id for e in entries},
        participant=pid,
    )

    # No workflow to send to: a usage problem (exit 2), not a traceback.
    nobody = await run_cli_async(
        "tasks",
        "decide",
        "P-nobody/pre_start_checks",
        "--as",
        "P-ops-1",
        "--outcome",
        "approve",
        "--no-wait",
        env=env,
    )
    assert nobody.returncode == 2 and "no running workflow participant-P-nobody" in nobody.stderr
