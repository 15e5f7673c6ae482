"""DigestWorkflow: the weekly digest, started by its Temporal Schedule (`scls schedules
apply`): each person with an open task gets one mail listing them, and ops a summary of
every cohort.

A run is for one week: the week its schedule fired in (or the one it is given). Each
digest is mailed once under (kind, week, person), so a retried or repeated run of the
same week sends nothing twice. A digest that cannot be sent (a person missing from the
directory, an address the mail server refuses) is counted and logged by id; the others
still go.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.digest import (
        DIGEST_RECIPIENTS,
        SEND_DIGEST,
        DigestKind,
        DigestRecipients,
        DigestRequest,
    )
    from contracts.heartbeat import HEARTBEAT_TIMEOUT
    from domain.digest import digest_week
    from workflows.notifications import SEND_RETRY

# Set by Temporal on every run a Schedule starts: the instant it was due.
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")

# Digests sent at once: each holds a database connection while the mail server talks.
AT_ONCE = 5


class DigestRun(BaseModel):
    week: str | None = None  # ISO week, e.g. 2026-W49; default: the week the run is due in


class DigestSent(BaseModel):
    week: str
    sent: int  # mails sent by this run (none for a week already sent)
    not_sent: int  # digests that failed for good (see the worker's log)


@workflow.defn(name="DigestWorkflow")
class DigestWorkflow:
    @workflow.run
    async def run(self, run: DigestRun) -> DigestSent:
        week = run.week or digest_week(self._due_at())
        recipients = await workflow.execute_activity(
            DIGEST_RECIPIENTS,
            week,
            result_type=DigestRecipients,
            start_to_close_timeout=timedelta(minutes=1),
        )
        requests = [
            DigestRequest(
                kind=kind, person_id=person, week=week, workflow_id=workflow.info().workflow_id
            )
            for kind, people in (
                (DigestKind.TASKS, recipients.with_tasks),
                (DigestKind.COHORTS, recipients.ops),
            )
            for person in people
        ]
        outcomes: list[str | None] = []
        for start in range(0, len(requests), AT_ONCE):
            batch = requests[start : start + AT_ONCE]
            outcomes.extend(await asyncio.gather(*(self._send(r) for r in batch)))
        return DigestSent(
            week=week,
            sent=sum(outcome == "sent" for outcome in outcomes),
            not_sent=sum(outcome is None for outcome in outcomes),
        )

    def _due_at(self) -> datetime:
        scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        return scheduled if scheduled is not None else workflow.now()

    async def _send(self, request: DigestRequest) -> str | None:
        """The outbox's word on one digest, or None when it could not be sent."""
        try:
            outcome: str = await workflow.execute_activity(
                SEND_DIGEST,
                request,
                result_type=str,
                start_to_close_timeout=timedelta(minutes=1),
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=SEND_RETRY,
            )
        except ActivityError as error:
            workflow.logger.warning(
                "digest not sent",
                extra={"idempotency_key": request.idempotency_key, "cause": str(error.cause)},
            )
            return None
        return outcome
