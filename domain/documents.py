"""A file on a participant's record (evidence, a report), by its content.

The bytes live in the document store under their SHA-256; events, commands and workflow
payloads carry only this reference, so no file ever enters Temporal or the events table.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.data_protection.personal import PersonalText


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    name: PersonalText = Field(min_length=1, max_length=255)  # as the person uploaded it
    content_type: str = Field(min_length=3, max_length=127)
    size: int = Field(gt=0)  # bytes
