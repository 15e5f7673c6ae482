"""The placement flag activity as the participant workflow calls it after a poor placement
rating (domain.measures.place_to_check): by ids only, keyed by the rating's event id, and
retried like a mail, since a flag it finds is mailed to ops."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.placements import FLAG_PLACEMENT, PlacementToCheck
    from workflows.notifications import best_effort


async def check_placement(check: PlacementToCheck) -> None:
    """Ask whether the place is flagged now (ops mailed if so); a failure is logged, not fatal."""
    await best_effort(FLAG_PLACEMENT, check, check.idempotency_key, "placement flag check failed")
