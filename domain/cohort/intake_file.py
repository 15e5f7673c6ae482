"""Reading a cohort file's text, CSV exported from a spreadsheet or YAML, into located
records (row 4, participant 3, ...) for the intake rules in domain.cohort.intake to check.

Pure: the caller reads the file's bytes (`decode_cohort_file` makes them text, or says
what the file is and how to save it as CSV UTF-8) and passes today's date for the
start-date rule.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any, Literal

import yaml

from domain.cohort.intake import (
    CSV_COLUMNS,
    HEADER_FIELDS,
    HEADER_REFERENCES,
    PARTICIPANT_FIELDS,
    PARTICIPANT_REFERENCES,
    CohortIntake,
    IntakeCheck,
    InvalidCohortFile,
    Problem,
    RawCohortFile,
    Record,
)

FileFormat = Literal["csv", "yaml"]

# How to save a spreadsheet so this reads it, said wherever a file is saved otherwise.
SAVE_AS_CSV_UTF8 = (
    'open it in the spreadsheet and save it again as "CSV UTF-8 (Comma delimited) (*.csv)" '
    '(Excel: File > Save As; LibreOffice: Save As "Text CSV", character set Unicode (UTF-8), '
    "field delimiter ,)"
)


def _not_text(message: str) -> InvalidCohortFile:
    return InvalidCohortFile([Problem(where="the file", field=None, message=message)])


def decode_cohort_file(data: bytes) -> str:
    """The text of a cohort file saved as UTF-8 (with or without a byte-order mark);
    InvalidCohortFile saying what it is instead, and how to save it, otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(data) >= 4 and data.count(0) >= len(data) // 4
    ):
        raise _not_text(
            'it is UTF-16 text, as Excel saves "Unicode Text (*.txt)", not CSV UTF-8: '
            + SAVE_AS_CSV_UTF8
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_text(
            f"it is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start}; "
            "a spreadsheet's plain \"CSV\" is saved in the computer's own encoding): "
            + SAVE_AS_CSV_UTF8
        ) from None


def read_cohort_file(text: str, file_format: FileFormat, *, today: date) -> CohortIntake:
    """The checked cohort in `text`; raises InvalidCohortFile with every problem found."""
    raw = _read_csv(text) if file_format == "csv" else _read_yaml(text)
    return IntakeCheck(raw, today).check()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """Blank cells are absent, so pydantic reports a required one as missing."""
    return {key: cleaned for key, value in data.items() if (cleaned := _cell(value)) is not None}


def _read_csv(text: str) -> RawCohortFile:
    raw = RawCohortFile(
        definitions_hint="give their name and email ({field}_name, {field}_email) on a row"
    )
    try:
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as error:
        raw.problems.append(Problem(where="the file", field=None, message=f"not CSV: {error}"))
        return raw
    header_at = next((n for n, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_at is None:
        raw.problems.append(Problem(where="the file", field=None, message="it is empty"))
        return raw
    columns = [c.strip() for c in rows[header_at]]
    header_where = f"row {header_at + 1}"
    separator = _other_separator(columns)
    if separator is not None:
        raw.problems.append(
            Problem(
                where=header_where,
                field=None,
                message=f"the columns are separated by {separator}, not commas (a spreadsheet "
                "set to another country's list separator saves CSV that way): " + SAVE_AS_CSV_UTF8,
            )
        )
        return raw
    for name, count in Counter(columns).items():
        if count > 1:
            raw.problems.append(
                Problem(where=header_where, field=name or None, message="column appears twice")
            )
    for name in columns:
        if name and name not in CSV_COLUMNS:
            raw.problems.append(
                Problem(where=header_where, field=name, message="not a column of a cohort file")
            )
    for name in (*HEADER_FIELDS, *PARTICIPANT_FIELDS):
        if name not in columns and name not in ("time_scale", "dbs_cleared_on", "dbs_check"):
            raw.problems.append(Problem(where=header_where, field=name, message="column missing"))
    if raw.problems:
        return raw
    for number, cells in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in cells):
            continue
        where = f"row {number}"
        if len(cells) > len(columns):
            raw.problems.append(
                Problem(
                    where=where,
                    field=None,
                    message=f"{len(cells)} cells but {len(columns)} columns",
                )
            )
            continue
        values = dict(zip(columns, cells, strict=False))
        raw.headers.append(Record(where, _present({k: values.get(k) for k in HEADER_FIELDS})))
        raw.participants.append(
            Record(where, _present({k: values.get(k) for k in PARTICIPANT_FIELDS}))
        )
        for reference in (*HEADER_REFERENCES, *PARTICIPANT_REFERENCES):
            person = _present(
                {
                    "person_id": values.get(reference),
                    "name": values.get(f"{reference}_name"),
                    "email": values.get(f"{reference}_email"),
                }
            )
            if "name" in person or "email" in person:
                raw.people.append(Record(where, person | {"_column": reference}))
    return raw


def _other_separator(columns: list[str]) -> str | None:
    """The separator the header was written with, when it is not a comma: one cell that
    splits into known columns on a semicolon or a tab."""
    if len(columns) != 1:
        return None
    for separator, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        cells = [cell.strip().strip('"') for cell in columns[0].split(separator)]
        if len(cells) > 1 and sum(cell in CSV_COLUMNS for cell in cells) >= 2:
            return name
    return None


def _read_yaml(text: str) -> RawCohortFile:
    raw = RawCohortFile(definitions_hint="add them to people")
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:  # a date like 2029-13-01 is a ValueError
        raw.problems.append(Problem(where="the file", field=None, message=f"not YAML: {error}"))
        return raw
    if not isinstance(data, dict):
        raw.problems.append(
            Problem(
                where="the file",
                field=None,
                message="it must be a mapping with cohort, people and participants",
            )
        )
        return raw
    for key in data:
        if key not in ("cohort", "people", "participants"):
            raw.problems.append(Problem(where="the file", field=str(key), message="not a section"))
    header = data.get("cohort")
    if isinstance(header, dict):
        raw.headers.append(Record("cohort", _present({str(k): v for k, v in header.items()})))
    else:
        raw.problems.append(
            Problem(where="the file", field="cohort", message="missing, or not a mapping")
        )
    for section, target, label in (
        ("participants", raw.participants, "participant"),
        ("people", raw.people, "person"),
    ):
        entries = data.get(section)
        if entries is None and section == "people":
            continue
        if not isinstance(entries, list):
            raw.problems.append(
                Problem(where="the file", field=section, message="missing, or not a list")
            )
            continue
        for number, entry in enumerate(entries, start=1):
            where = f"{label} {number}"
            if isinstance(entry, dict):
                target.append(Record(where, _present({str(k): v for k, v in entry.items()})))
            else:
                raw.problems.append(Problem(where=where, field=None, message="not a mapping"))
    return raw
