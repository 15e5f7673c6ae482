"""What the nightly retention run asks its activity: apply the policy as of an instant.
The activity answers with the run's event (counts and participant ids, nothing personal)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.instants import UtcDatetime

APPLY_RETENTION = "apply_retention"


class RetentionRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    now: UtcDatetime
