"""Instants in programme time: always timezone-aware and normalised to UTC.

The domain has no clock; every instant comes in from outside (the workflow's `now`,
a cohort's start date). Naive datetimes are refused because comparing a naive with an
aware instant fails late and far from the cause.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

from domain.errors import NotUtc


def require_utc(instant: datetime) -> datetime:
    """The same instant in UTC; refuses a naive datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NotUtc(f"{instant.isoformat()} has no time zone; instants must be UTC")
    return instant.astimezone(UTC)


def _validate_utc(instant: datetime) -> datetime:
    # Pydantic reports ValueError as a field error; NotUtc would escape validation.
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instants must carry a time zone (UTC)")
    return instant.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_validate_utc)]
"""A datetime field that accepts any aware instant and stores it in UTC."""


def last_day(ends: datetime) -> date:
    """The last calendar day of a span that runs until, not including, `ends`: a two-day
    conference starting on a Monday at midnight ends at Wednesday's midnight and its last
    day is the Tuesday."""
    return (ends - timedelta(microseconds=1)).date()
