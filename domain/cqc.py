"""CQC ratings of care locations, as CQC publishes them with its care directory: the
rules for reading the file ops import (`scls cqc import`), and which rating stood before
and after a date (a graduate's service before and after they took the post).

The file: CSV with one row per location and its latest published ratings. The headers
are CQC's as best known from its published care directory with ratings (an assumption,
kept in examples/cqc-care-directory-sample.csv and the README): "Location ID",
"Location Name", "Overall Rating" (CQC also heads it "Location Latest Overall Rating"),
the five key questions "Safe", "Effective", "Caring", "Responsive", "Well-led", and
"Publication Date" (ISO, or day/month/year as CQC's spreadsheets show it). Other columns
are ignored. Every problem is reported at once, with its row and field, and nothing is
imported while any remains, as with cohort files.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.errors import InvalidCqcFile


class CqcRating(StrEnum):
    OUTSTANDING = "Outstanding"
    GOOD = "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement"
    INADEQUATE = "Inadequate"

    @property
    def points(self) -> int:
        """For averaging and charts: Inadequate 1 .. Outstanding 4."""
        return _POINTS[self]


_POINTS = {
    CqcRating.INADEQUATE: 1,
    CqcRating.REQUIRES_IMPROVEMENT: 2,
    CqcRating.GOOD: 3,
    CqcRating.OUTSTANDING: 4,
}
# CQC's words for a location not (yet) rated on a question.
_NOT_RATED = {"", "not rated", "insufficient evidence to rate", "no published rating"}

KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well_led")


class LocationRating(BaseModel):
    model_config = ConfigDict(frozen=True)

    location_id: str
    location_name: str
    published_on: date
    overall: CqcRating | None
    safe: CqcRating | None = None
    effective: CqcRating | None = None
    caring: CqcRating | None = None
    responsive: CqcRating | None = None
    well_led: CqcRating | None = None


# field -> the headers CQC's files have used for it (compared without case or spaces)
_HEADERS: dict[str, tuple[str, ...]] = {
    "location_id": ("Location ID", "CQC Location ID (for office use only)"),
    "location_name": ("Location Name", "Name"),
    "overall": ("Overall Rating", "Location Latest Overall Rating", "Overall"),
    "safe": ("Safe",),
    "effective": ("Effective",),
    "caring": ("Caring",),
    "responsive": ("Responsive",),
    "well_led": ("Well-led", "Well led"),
    "published_on": ("Publication Date", "Location Latest Publication Date"),
}


def _normal(header: str) -> str:
    return "".join(header.lower().split()).replace("-", "")


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    problems = []
    normal = [_normal(h) for h in header]
    for field, names in _HEADERS.items():
        wanted = {_normal(name) for name in names}
        index = next((i for i, h in enumerate(normal) if h in wanted), None)
        if index is None:
            problems.append(f"header: no column {names[0]!r}")
        else:
            found[field] = index
    return found, problems


def _rating(value: str) -> CqcRating | None:
    text = " ".join(value.split())
    if text.lower() in _NOT_RATED:
        return None
    for rating in CqcRating:
        if rating.value.lower() == text.lower():
            return rating
    raise ValueError(f"{value!r} is not a CQC rating ({', '.join(r.value for r in CqcRating)})")


def _date(value: str) -> date:
    text = value.strip()
    for layout in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (2024-03-15 or 15/03/2024)")


def read_cqc_file(text: str) -> list[LocationRating]:
    """Every row's ratings; raises InvalidCqcFile naming every problem (row and field)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise InvalidCqcFile("the file is empty")
    columns, problems = _columns(rows[0])
    if problems:
        raise InvalidCqcFile("; ".join(problems))
    ratings: list[LocationRating] = []
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {field: row[i] if i < len(row) else "" for field, i in columns.items()}
        where = f"row {number}"
        row_problems: list[str] = []
        location = cells["location_id"].strip()
        if not location:
            row_problems.append(f"{where}, Location ID: missing")
        else:
            where = f"row {number} ({location})"
        if any(ord(c) < 32 for c in "".join(cells.values())):
            row_problems.append(f"{where}: a control character in a cell")
        values: dict[str, object] = {}
        for field in ("overall", *KEY_QUESTIONS):
            try:
                values[field] = _rating(cells[field])
            except ValueError as problem:
                row_problems.append(f"{where}, {_HEADERS[field][0]}: {problem}")
        try:
            values["published_on"] = _date(cells["published_on"])
        except ValueError as problem:
            row_problems.append(f"{where}, Publication Date: {problem}")
        if row_problems:
            problems += row_problems
            continue
        rating = LocationRating(
            location_id=location,
            location_name=" ".join(cells["location_name"].split()) or location,
            **values,
        )
        key = (rating.location_id, rating.published_on)
        if key in seen:
            problems.append(f"{where}: the same location and publication date as row {seen[key]}")
        seen[key] = number
        ratings.append(rating)
    if problems:
        raise InvalidCqcFile("; ".join(problems))
    return ratings


def before_and_after(
    history: list[LocationRating], since: date
) -> tuple[LocationRating | None, LocationRating | None]:
    """The rating in force when someone took the post on `since` (the latest published
    before it), and the latest published after it, if any."""
    ordered = sorted(history, key=lambda r: r.published_on)
    before = [r for r in ordered if r.published_on < since]
    after = [r for r in ordered if r.published_on >= since]
    return (before[-1] if before else None, after[-1] if after else None)
