"""Read model: participant progress (phase, status, RAG, next due date, the whole state)."""

from __future__ import annotations

from typing import Any

from domain.ids import PARTICIPANT_PREFIX
from domain.participant.events import parse_participant_event
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState, initial_state
from store.folded_state import FoldedStateProjector


def _columns(state: ParticipantState) -> dict[str, Any]:
    return {
        "cohort_id": state.cohort_id,
        "home_id": state.home_id,
        "phase": state.phase.value if state.phase else None,
        "status": state.standing.status_name,
        "rag": state.rag.value,
        "next_due": state.next_due,
        "expected_end": state.expected_end,
        "delegators": sorted(state.delegators),
    }


PARTICIPANT_PROGRESS: FoldedStateProjector[ParticipantState] = FoldedStateProjector(
    table="participant_progress",
    key_column="participant_id",
    stream_prefix=PARTICIPANT_PREFIX,
    load=ParticipantState.model_validate,
    initial=initial_state,
    evolve=lambda state, data: evolve(state, parse_participant_event(data)),
    columns=_columns,
)
