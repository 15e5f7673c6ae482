"""The eight core topic areas of the Level 5 diploma, as the Programme Manual's section two
lists them (its learning goals for year two)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Level5Topic(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    title: str


LEVEL5_TOPICS: tuple[Level5Topic, ...] = tuple(
    Level5Topic(number=number, title=title)
    for number, title in enumerate(
        (
            "Leading and managing in adult social care",
            "Leading and managing teams",
            "Responsibilities",
            "Improvements and innovation",
            "Communication",
            "Values and behaviours",
            "Health and safety",
            "Professional development",
        ),
        start=1,
    )
)
