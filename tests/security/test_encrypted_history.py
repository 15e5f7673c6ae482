"""Nothing a person wrote reaches Temporal in the clear: a concern and a decision comment,
raised through the real command line on the real dev server, are nowhere in the raw
histories (`temporal workflow show --output json`, as anyone with access to the cluster
or its Web UI reads them), and are there through the console's codec endpoint."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import enrolments
from domain.ids import intervention_workflow_id, participant_workflow_id
from domain.programme.tasks import Outcome
from scls.payload_codec import EncryptionCodec
from scls.settings import load_settings
from scls.stack.temporal_dev import find_temporal_binary
from scls.web.app import create_app
from scls.web.server import serve
from scls.web.services import WebServices
from tests.cli import free_port, run_cli_async, stack_env
from tests.payload_keys import TEST_KEYRING
from tests.workflows.programme_driver import cohort_definition, eventually, wait_until_started
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

pytestmark = pytest.mark.postgres

CODEC_TOKEN = "codec-token-of-the-test"


def _texts(value: Any) -> Iterator[str]:
    """Every string in a history's JSON, and every base64 `data` decoded: a payload's
    JSON sits base64-encoded in the raw history, so looking at the text alone would
    miss it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "data" and isinstance(item, str):
                try:
                    yield base64.b64decode(item, validate=True).decode("utf-8", "replace")
                except ValueError:
                    pass
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value


def _show(address: str, workflow_id: str, *codec: str) -> str:
    shown = subprocess.run(
        [
            str(find_temporal_binary()),
            "workflow",
            "show",
            "--workflow-id",
            workflow_id,
            "--output",
            "json",
            "--address",
            address,
            *codec,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def _holds(history: str, marker: str) -> bool:
    return marker in history or any(marker in text for text in _texts(json.loads(history)))


@dataclass(frozen=True)
class Written:
    participant_id: str
    concern: str
    comment: str


@pytest.fixture
async def written(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> AsyncIterator[Written]:
    """A participant with a safeguarding concern raised by `scls participant concern` and
    a task answered with a comment, each carrying a marker of its own."""
    task_queue = f"encrypted-{uuid.uuid4().hex[:8]}"
    start = await dev_env.get_current_time() + timedelta(weeks=4)
    enrolment = enrolments(cohort_definition(2, start=start))[0]
    pid = enrolment.participant_id
    marker = uuid.uuid4().hex[:12]
    found = Written(pid, f"concern-{marker}: left alone with Mrs Example", f"comment-{marker}")
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=task_queue,
    )
    async with build_worker(dev_env.client, pool, task_queue):
        handle = await dev_env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(pid),
            task_queue=task_queue,
        )
        state = await eventually(
            lambda: handle.query(ParticipantWorkflow.state),
            lambda s: "pre_start_checks" in s.tasks,
        )
        raised = await run_cli_async(
            "participant", "concern", pid, "--by", "rm-00", "--reason", found.concern,
            "--safeguarding", env=env,
        )  # fmt: skip
        assert raised.returncode == 0, raised.stderr
        checks = state.tasks["pre_start_checks"]
        await handle.execute_update(
            ParticipantWorkflow.decide,
            TaskDecision(
                task_id=checks.task_id,
                decided_by=checks.assignee,
                outcome=Outcome.APPROVE,
                comment=found.comment,
            ),
        )
        case = intervention_workflow_id(pid, 1)
        await wait_until_started(dev_env.client, [case])
        await eventually(
            lambda: pool.fetchval(
                "SELECT count(*) FROM events WHERE stream = $1", f"intervention-{pid}-1"
            ),
            lambda count: count > 0,
        )
        try:
            yield found
        finally:
            for workflow_id in (case, participant_workflow_id(pid)):
                await dev_env.client.get_workflow_handle(workflow_id).terminate("test over")


@pytest.fixture
async def codec_endpoint(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[str]:
    """The console serving the codec endpoint on a real port, as `scls web` does."""
    settings = load_settings(data_dir=tmp_path / "console")

    async def connect():  # type: ignore[no-untyped-def]
        return dev_env.client

    app = create_app(
        WebServices(pool=pool, settings=settings, connect=connect),
        "test-secret",
        codec=EncryptionCodec(TEST_KEYRING),
        codec_token=CODEC_TOKEN,
    )
    port = free_port()
    stop, started = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(app, "127.0.0.1", port, stop, started))
    await asyncio.wait_for(started.wait(), 30)
    try:
        yield f"http://127.0.0.1:{port}/codec"
    finally:
        stop.set()
        await serving


async def test_concerns_and_comments_are_in_no_raw_history_and_read_through_the_codec(
    written: Written, codec_endpoint: str, dev_env: WorkflowEnvironment
) -> None:
    address = dev_env.client.service_client.config.target_host
    pid = written.participant_id
    workflows = [participant_workflow_id(pid), intervention_workflow_id(pid, 1)]
    raw = {w: await asyncio.to_thread(_show, address, w) for w in workflows}
    for workflow_id, history in raw.items():
        for marker in (written.concern, written.comment):
            assert not _holds(history, marker.split(":")[0]), f"{marker} in {workflow_id}"
        # What is there instead (metadata values are base64 in the JSON too).
        assert base64.b64encode(b"binary/encrypted").decode() in history
        # Ids and search attributes stay readable, and hold no personal data.
        assert pid in history
    codec = ["--codec-endpoint", codec_endpoint, "--codec-auth", f"Bearer {CODEC_TOKEN}"]
    decoded = {w: await asyncio.to_thread(_show, address, w, *codec) for w in workflows}
    assert _holds(decoded[workflows[0]], written.concern)
    assert _holds(decoded[workflows[0]], written.comment)
    for history in decoded.values():  # every payload read, the case file's too
        assert base64.b64encode(b"binary/encrypted").decode() not in history


async def test_without_the_token_the_codec_decodes_nothing(
    written: Written, codec_endpoint: str, dev_env: WorkflowEnvironment
) -> None:
    address = dev_env.client.service_client.config.target_host
    workflow_id = participant_workflow_id(written.participant_id)
    wrong = ["--codec-endpoint", codec_endpoint, "--codec-auth", "Bearer guessed"]
    shown = await asyncio.to_thread(
        subprocess.run,
        [str(find_temporal_binary()), "workflow", "show", "--workflow-id", workflow_id,
         "--output", "json", "--address", address, *wrong],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert written.concern not in shown.stdout + shown.stderr
    if shown.returncode == 0:
        assert not _holds(shown.stdout, written.concern)
