"""The event envelope: what writers hand to the event store and what it gives back.

Plain pydantic models with no database code, so workflows can build them and pass them
to the append activity.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The append activity's name: workflows call it by name so they never import database code.
APPEND_EVENTS = "append_events"


class EventMetadata(BaseModel):
    model_config = ConfigDict(frozen=True)

    actor: str = Field(description="who caused the event: a person id, or 'system'")
    workflow_id: str | None = None
    run_id: str | None = None
    causation_id: str | None = Field(
        default=None, description="the message or timer that caused it"
    )


class NewEvent(BaseModel):
    """An event as a writer hands it in: its id is chosen by the writer, so retries match."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID
    type: str
    data: dict[str, Any]
    metadata: EventMetadata

    @classmethod
    def of(
        cls,
        event: BaseModel,
        metadata: EventMetadata | None = None,
        event_id: uuid.UUID | None = None,
    ) -> NewEvent:
        """The envelope of a domain event (each names its class in `type`). Workflows
        pass an id from workflow.uuid4(); others may let one be drawn."""
        return cls(
            event_id=event_id or uuid.uuid4(),
            type=str(getattr(event, "type")),  # noqa: B009 - every domain event has one
            data=event.model_dump(mode="json"),
            metadata=metadata or EventMetadata(actor="system"),
        )


class StoredEvent(NewEvent):
    stream: str
    version: int
    recorded_at: datetime
    position: int


class AppendResult(BaseModel):
    version: int = Field(description="the stream's version after the append")
    appended: bool = Field(description="False when the same events were already there")


class AppendRequest(BaseModel):
    """The append activity's argument: a batch for one stream at the version the writer saw."""

    stream: str
    expected_version: int = Field(ge=0)
    events: list[NewEvent]
