"""Time scale: how much faster than real time a cohort's programme runs.

Demonstrations and tests run a two-year programme in minutes; every nominal duration is
divided by the cohort's time scale (1.0 = real time).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from domain.errors import InvalidTimeScale

MAX_TIME_SCALE = 604_800_000.0
"""One programme week per millisecond: beyond this, short durations round to nothing and
timers would collapse onto each other."""

TimeScale = Annotated[float, Field(ge=1.0, le=MAX_TIME_SCALE, allow_inf_nan=False)]


def scaled(duration: timedelta, time_scale: float) -> timedelta:
    """The real duration of a nominal programme duration: nominal / time_scale."""
    if not 1.0 <= time_scale <= MAX_TIME_SCALE:
        raise InvalidTimeScale(
            f"time scale {time_scale} is out of range; it must be between 1 and "
            f"{MAX_TIME_SCALE:.0f}"
        )
    return duration / time_scale
