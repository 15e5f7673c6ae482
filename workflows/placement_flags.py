"""The placement flag activity as the participant workflow calls it after a poor placement
rating (domain.measures.place_to_check): by ids only, keyed by the rating's event id, and
retried like a mail, since a flag it finds is mailed to ops."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.placements import FLAG_PLACEMENT, PlacementToCheck
    from workflows.notifications import SEND_RETRY


async def check_placement(check: PlacementToCheck) -> None:
    """Ask whether the place is flagged now (ops mailed if so); a failure is logged, not fatal."""
    try:
        await workflow.execute_activity(
            FLAG_PLACEMENT,
            check,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=SEND_RETRY,
        )
    except ActivityError as error:
        workflow.logger.warning(
            "placement flag check failed",
            extra={"idempotency_key": check.idempotency_key, "cause": str(error.cause)},
        )
