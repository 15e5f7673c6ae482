"""Read model: each cohort as its own stream tells it (members' progress, conferences)."""

from __future__ import annotations

from typing import Any

from domain.cohort.events import parse_cohort_event
from domain.cohort.state import CohortState, evolve_cohort, initial_cohort_state
from domain.ids import COHORT_PREFIX
from store.folded_state import FoldedStateProjector


def _columns(state: CohortState) -> dict[str, Any]:
    opening = state.opening
    return {
        "hub": opening.hub if opening else None,
        "start_date": opening.start_date if opening else None,
        "programme_version": opening.programme_version if opening else None,
    }


COHORT_SUMMARY: FoldedStateProjector[CohortState] = FoldedStateProjector(
    table="cohort_summary",
    key_column="cohort_id",
    stream_prefix=COHORT_PREFIX,
    load=CohortState.model_validate,
    initial=initial_cohort_state,
    evolve=lambda state, data: evolve_cohort(state, parse_cohort_event(data)),
    columns=_columns,
)
