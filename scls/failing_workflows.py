"""Workflows whose workflow task keeps failing: stuck, though Temporal still calls them running.

A workflow task fails when workflow code raises something other than a business failure
(a bug, a non-deterministic change, a payload that no longer parses). Temporal retries it
for ever and the workflow makes no progress, but its status stays Running, so nothing
outside Temporal's UI would notice. The pending workflow task's attempt count gives it
away; the last WorkflowTaskFailed event in its history says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.api.failure.v1 import Failure
from temporalio.client import Client, WorkflowHandle

RUNNING = 'ExecutionStatus="Running"'


@dataclass(frozen=True)
class FailingWorkflow:
    workflow_id: str
    run_id: str
    workflow_type: str
    attempts: int  # of the workflow task now pending: 2 or more means it has failed
    failing_since: datetime | None
    cause: str  # Temporal's category, e.g. WORKFLOW_WORKER_UNHANDLED_FAILURE
    failure: str  # the failure's message, as the worker reported it


async def failing_workflows(client: Client, query: str = RUNNING) -> list[FailingWorkflow]:
    """The workflows matching the visibility `query` (default: all running) whose current
    workflow task has failed at least once."""
    failing = []
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        description = (await handle.describe()).raw_description
        if not description.HasField("pending_workflow_task"):
            continue
        pending = description.pending_workflow_task
        if pending.attempt < 2:
            continue
        cause, failure = await _last_failure(client, handle)
        failing.append(
            FailingWorkflow(
                workflow_id=execution.id,
                run_id=execution.run_id,
                workflow_type=execution.workflow_type,
                attempts=pending.attempt,
                failing_since=(
                    pending.original_scheduled_time.ToDatetime()
                    if pending.HasField("original_scheduled_time")
                    else None
                ),
                cause=cause,
                failure=failure,
            )
        )
    return failing


async def _last_failure(client: Client, handle: WorkflowHandle[Any, Any]) -> tuple[str, str]:
    """The cause and message of the last WorkflowTaskFailed event (later attempts of the
    same task are not written to history, so this is the first of the current run). The
    message is encrypted in the history (scls/payload_codec.py): the client's converter
    reads it."""
    cause, failure = "unknown", "no WorkflowTaskFailed event in the history"
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            attributes = event.workflow_task_failed_event_attributes
            cause = WorkflowTaskFailedCause.Name(attributes.cause).removeprefix(
                "WORKFLOW_TASK_FAILED_CAUSE_"
            )
            failure = await _message(client, attributes.failure)
    return cause, failure


async def _message(client: Client, failure: Failure) -> str:
    copy = Failure()
    copy.CopyFrom(failure)  # decoding replaces the payloads in place
    try:
        decoded = await client.data_converter.decode_failure(copy)
    except Exception:  # a key missing, say: the raw message is better than nothing
        return failure.message
    return str(getattr(decoded, "message", None) or decoded)
