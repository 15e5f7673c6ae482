"""What a workflow asks of the read models about placements: how many scheme participants a
home has now (a move must leave the new home with at least two), and, after a poor
placement rating, whether its home or host is flagged (ops are then told, with the
evidence)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PARTICIPANTS_AT_HOME = "participants_at_home"
FLAG_PLACEMENT = "flag_placement"


class HomeQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    home_id: str
    excluding: str  # the participant who would move there


class PlacementToCheck(BaseModel):
    """A poor rating of `place` (domain.measures.rated_place) was recorded for the
    participant: if the place is flagged now, their ops lead is mailed once under the key."""

    model_config = ConfigDict(frozen=True)

    place: str
    participant_id: str
    ops_lead: str
    idempotency_key: str
    workflow_id: str | None = None
