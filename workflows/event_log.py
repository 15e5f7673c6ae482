"""Recording domain events from a workflow: the append activity, with ids that survive replay.

Event ids come from `workflow.uuid4()`, so a retried or replayed append hands the event
store the very same events and the store takes them as a no-op.

The append runs as an activity task. For a while it ran as a local activity, in the
workflow task that decided the events (two server round trips fewer for a manager's
Update), but a worker that rebuilt a participant from its history now and then asked
for an append where the history holds a timer, and failed with a nondeterminism error
(docs/versioning.md; local activities move a run's clock and are grouped differently in
replay than live, temporalio/sdk-python#1881). Runs that started in that while keep the
local activity, as they recorded it; every run since takes the activity task again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.event_log import (
        APPEND_EVENTS,
        AppendRequest,
        AppendResult,
        EventMetadata,
        NewEvent,
    )

# workflow.patched ids: never reused (docs/versioning.md).
APPEND_IN_THE_WORKFLOW_TASK = "append-as-local-activity"
APPEND_AS_AN_ACTIVITY_TASK_AGAIN = "append-as-activity-task-again"

# Postgres may be down for a while; the workflow waits for it rather than failing.
APPEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["StreamConflict"],
)


async def record(
    stream: str,
    expected_version: int,
    events: Sequence[BaseModel],
    *,
    actor: str,
    causation_id: str | None = None,
) -> list[uuid.UUID]:
    """Append `events` (domain models with a `type` field) to `stream` after
    `expected_version`; return their ids, in order."""
    info = workflow.info()
    metadata = EventMetadata(
        actor=actor,
        workflow_id=info.workflow_id,
        run_id=info.run_id,
        causation_id=causation_id,
    )
    batch = [NewEvent.of(event, metadata, workflow.uuid4()) for event in events]
    request = AppendRequest(stream=stream, expected_version=expected_version, events=batch)
    # The newest patch is asked first, and the older only when it is absent: a run that
    # recorded neither marker took the activity task, one that recorded the local
    # activity's keeps it.
    in_the_workflow_task = not workflow.patched(
        APPEND_AS_AN_ACTIVITY_TASK_AGAIN
    ) and workflow.patched(APPEND_IN_THE_WORKFLOW_TASK)
    execute = workflow.execute_local_activity if in_the_workflow_task else workflow.execute_activity
    await execute(
        APPEND_EVENTS,
        request,
        result_type=AppendResult,
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=APPEND_RETRY,
    )
    return [event.event_id for event in batch]
