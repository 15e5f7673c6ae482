"""The six two-day cohort conferences (Programme Manual 1.5), spread over the two years."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class ConferenceDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, le=6)
    title: str
    weeks_after_programme_start: int = Field(ge=0)
    duration: timedelta = timedelta(days=2)


CONFERENCES: tuple[ConferenceDefinition, ...] = tuple(
    ConferenceDefinition(number=number, title=title, weeks_after_programme_start=weeks)
    for number, (title, weeks) in enumerate(
        (
            # Just after the Institute, while participants settle into their homes.
            ("Starting out: leading in adult social care", 10),
            ("Leading teams on the front line", 26),
            ("The wider context: health, care and safeguarding", 44),
            ("Towards Registered Manager", 60),
            ("Improvement and innovation in care services", 78),
            # Before RM readiness, so the cohort prepares its applications together.
            ("Ready to lead: registration and onward careers", 94),
        ),
        start=1,
    )
)
