"""The data-protection stream's events: each erasure and each nightly retention run, with
what it did. They name people by id only and hold counts, never personal content."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.instants import UtcDatetime

# The one stream these are recorded on.
DATA_PROTECTION_STREAM = "data-protection"


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonForgotten(_Event):
    """A participant's key deleted: their personal content reads as erased from now on.
    `reason` is the ground for the erasure (a request, the retention policy), written
    by ops without personal detail."""

    type: Literal["PersonForgotten"] = "PersonForgotten"
    person_id: str
    reason: str
    by: str
    streams: int  # the streams whose personal content was under the key
    events_with_personal_content: int
    mail_bodies_cleared: int
    documents_deleted: int
    sign_ins_deleted: int
    at: UtcDatetime


class RetentionApplied(_Event):
    """One run of the retention policy: who was forgotten, and what else was cleared."""

    type: Literal["RetentionApplied"] = "RetentionApplied"
    forgotten: tuple[str, ...]  # participant ids
    mail_bodies_cleared: int
    sign_ins_deleted: int
    at: UtcDatetime


DataProtectionEvent = Annotated[PersonForgotten | RetentionApplied, Field(discriminator="type")]

_EVENT: TypeAdapter[DataProtectionEvent] = TypeAdapter(DataProtectionEvent)


def parse_data_protection_event(data: Any) -> DataProtectionEvent:
    return _EVENT.validate_python(data)
