"""The example cohort files, and variants of them with one thing wrong."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from domain.cohort.intake import CSV_COLUMNS

EXAMPLES = Path(__file__).parents[2] / "examples"
EXAMPLE_CSV = EXAMPLES / "cohort-north-west-2029.csv"
EXAMPLE_YAML = EXAMPLES / "cohort-north-west-2029.yaml"

Row = dict[str, str]


def example_rows() -> list[Row]:
    with EXAMPLE_CSV.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def csv_text(rows: list[Row], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def example_csv_with(change: Callable[[list[Row]], None]) -> str:
    rows = example_rows()
    change(rows)
    return csv_text(rows)


def example_yaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLE_YAML.read_text(encoding="utf-8"))
    return loaded


def example_yaml_with(change: Callable[[dict[str, Any]], None]) -> str:
    document = example_yaml()
    change(document)
    return yaml.safe_dump(document, sort_keys=False)


def renamed_cohort(rows: list[Row], cohort_id: str, prefix: str) -> list[Row]:
    """The example as another cohort: new cohort, participant ids and emails; the same
    homes and supporting people."""
    return [
        row
        | {
            "cohort_id": cohort_id,
            "participant_id": row["participant_id"].replace("NW29", prefix),
            "email": f"{prefix.lower()}.{row['email']}",
        }
        for row in rows
    ]
