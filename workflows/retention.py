"""RetentionWorkflow: the retention policy applied nightly by its Temporal Schedule
(`scls schedules apply`). One activity does the run in one transaction and records it on
the data-protection stream; the workflow only says as of when (the instant the schedule
fired, or the one it is given, so a run can be tested against a clock years ahead)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.retention import APPLY_RETENTION, RetentionRequest
    from domain.data_protection.events import RetentionApplied
    from domain.instants import UtcDatetime
    from workflows.digest import SCHEDULED_START


class RetentionRun(BaseModel):
    as_of: UtcDatetime | None = None  # default: when the schedule fired


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, run: RetentionRun) -> RetentionApplied:
        applied: RetentionApplied = await workflow.execute_activity(
            APPLY_RETENTION,
            RetentionRequest(now=run.as_of or self._due_at()),
            result_type=RetentionApplied,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=10), maximum_attempts=5),
        )
        return applied

    def _due_at(self) -> datetime:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        return scheduled if scheduled is not None else workflow.now()
