"""`scls cohort validate` through the real command line: the examples are valid, and each
intake rule has a file that breaks it and the exact message, with row and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.programme.definition import PROGRAMMES
from tests.cli import run_cli, stack_env
from tests.intake.cohort_files import (
    EXAMPLE_CSV,
    EXAMPLE_YAML,
    Row,
    example_csv_with,
    example_yaml_with,
)

# The versions the message lists are pinned in tests/domain/test_programme.py.
KNOWN_VERSIONS = ", ".join(sorted(PROGRAMMES))


def _set(row: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        rows[row].update(cells)

    return change


def _every_row(**cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        for row in rows:
            row.update(cells)

    return change


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# (what is wrong, the change to the example CSV, the exact problem line; "{today}" is the
# date the command ran on)
CSV_RULES: list[tuple[str, Callable[[list[Row]], None], str]] = [
    ("missing field", _set(2, email=""), "row 4 (NW29-03), email: missing"),
    (
        "malformed email",
        _set(0, email="fiona.walsh-at-mail.example"),
        "row 2 (NW29-01), email: 'fiona.walsh-at-mail.example' is not a well-formed email address",
    ),
    (
        "malformed date",
        _set(1, dbs_cleared_on="30/02/2029"),
        "row 3 (NW29-02), dbs_cleared_on: '30/02/2029' is not a date (YYYY-MM-DD)",
    ),
    (
        "malformed id",
        _set(3, participant_id="NW29 04/x"),
        "row 5 (NW29 04/x), participant_id: 'NW29 04/x' is not a usable id: letters, digits, "
        "'.', '_' and '-', at most 64",
    ),
    (
        "duplicate participant id",
        _set(1, participant_id="NW29-01"),
        "row 3 (NW29-01), participant_id: NW29-01 is also on row 2",
    ),
    (
        "duplicate email",
        _set(4, email="FIONA.WALSH@mail.example"),
        "row 6 (NW29-05), email: fiona.walsh@mail.example is also on row 2",
    ),
    (
        "unknown programme version",
        _every_row(programme_version="2019.1"),
        "row 2, programme_version: unknown programme version '2019.1'; known versions: "
        f"{KNOWN_VERSIONS}",
    ),
    (
        "a home with one participant",
        _set(0, home_id="H-solo", home="Solo House", cqc_location_id="1-999999999"),
        "row 2 (NW29-01), home_id: home H-solo has 1 scheme participant; at least 2 are needed",
    ),
    (
        "DBS not cleared",
        _set(5, dbs_cleared_on="", dbs_check=""),
        "row 7 (NW29-06), dbs_cleared_on: no DBS clearance: an enhanced check must be cleared "
        "before the start date 2029-07-02",
    ),
    (
        "DBS cleared after the start",
        _set(6, dbs_cleared_on="2029-07-09"),
        "row 8 (NW29-07), dbs_cleared_on: DBS cleared on 2029-07-09, after the start date "
        "2029-07-02",
    ),
    (
        "only an Adult First check",
        _set(7, dbs_check="adult_first"),
        "row 9 (NW29-08), dbs_check: only a DBS Adult First check, which allows supervised "
        "work only: an enhanced check must be cleared before the start date 2029-07-02",
    ),
    (
        "start date in the past",
        _every_row(start_date="2021-09-06", dbs_cleared_on="2021-06-01"),
        "row 2, start_date: 2021-09-06 is in the past (today is {today})",
    ),
    (
        "a person referenced but not defined",
        _set(8, coach="nw-coach-9"),
        "row 10 (NW29-09), coach: nw-coach-9 is not defined: give their name and email "
        "(coach_name, coach_email) on a row",
    ),
    (
        "cohort fields that disagree between rows",
        _set(9, hub="North-West"),
        "row 11, hub: 'North-West' differs from 'North West' on row 2",
    ),
]


def validate(tmp_path: Path, text: str, suffix: str, *extra: str) -> Any:
    path = tmp_path / f"cohort{suffix}"
    path.write_text(text, encoding="utf-8")
    return run_cli("cohort", "validate", str(path), *extra, env=stack_env(tmp_path))


@pytest.mark.parametrize("example", [EXAMPLE_CSV, EXAMPLE_YAML], ids=["csv", "yaml"])
def test_the_examples_are_valid(example: Path, tmp_path: Path) -> None:
    result = run_cli("cohort", "validate", str(example), env=stack_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{example}: cohort NW-2029 (North West, starts 2029-07-02, programme 2025.1): "
        "30 participants in 12 homes of 5 employers; valid"
    )


@pytest.mark.parametrize(
    ("change", "message"), [(c, m) for _, c, m in CSV_RULES], ids=[w for w, _, _ in CSV_RULES]
)
def test_each_rule_names_row_and_field(
    change: Callable[[list[Row]], None], message: str, tmp_path: Path
) -> None:
    before = today()
    result = validate(tmp_path, example_csv_with(change), ".csv")
    after = today()  # a run across midnight may say either day
    assert result.returncode == 1, result.stdout
    problems = result.stderr.splitlines()
    assert problems[0] == f"{tmp_path / 'cohort.csv'}: 1 problem; nothing started:"
    assert problems[1:] in (
        [f"  {message.replace('{today}', before)}"],
        [f"  {message.replace('{today}', after)}"],
    )


def test_every_problem_at_once_in_file_order_and_as_json(tmp_path: Path) -> None:
    def three_wrongs(rows: list[Row]) -> None:
        rows[3]["email"] = ""
        rows[0]["dbs_check"] = "adult_first"
        rows[1]["participant_id"] = "NW29-01"

    result = validate(tmp_path, example_csv_with(three_wrongs), ".csv", "--json")
    assert result.returncode == 1
    reported = json.loads(result.stdout)
    assert reported["valid"] is False
    assert [(p["where"], p["field"]) for p in reported["problems"]] == [
        ("row 2 (NW29-01)", "dbs_check"),
        ("row 3 (NW29-01)", "participant_id"),
        ("row 5 (NW29-04)", "email"),
    ]


def test_yaml_problems_name_the_section_and_entry(tmp_path: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["cohort"]["programme_version"] = "2031.1"
        document["participants"][2]["mentor"] = "mentor-nowhere"
        del document["participants"][4]["home"]
        document["people"][0]["email"] = "nobody"

    result = validate(tmp_path, example_yaml_with(change), ".yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines()[1:] == [
        "  cohort, programme_version: unknown programme version '2031.1'; known versions: "
        f"{KNOWN_VERSIONS}",
        "  participant 3 (NW29-03), mentor: mentor-nowhere is not defined: add them to people",
        "  participant 5 (NW29-05), home: missing",
        "  person 1, email: 'nobody' is not a well-formed email address",
    ]


def test_unreadable_and_unshaped_files_are_usage_errors_or_problems(tmp_path: Path) -> None:
    wrong_suffix = validate(tmp_path, "x", ".txt")
    assert wrong_suffix.returncode == 2
    assert "a cohort file is .csv, .yaml or .yml" in wrong_suffix.stderr
    missing = run_cli("cohort", "validate", str(tmp_path / "absent.csv"), env=stack_env(tmp_path))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    no_columns = validate(tmp_path, "participant_id,name\nNW29-01,Ada\n", ".csv")
    assert no_columns.returncode == 1
    assert "  row 1, email: column missing" in no_columns.stderr.splitlines()
    typo = validate(tmp_path, csv_with_typo(), ".csv")
    assert "  row 1, dbs_cleared: not a column of a cohort file" in typo.stderr.splitlines()
    assert "Traceback" not in no_columns.stderr + typo.stderr


def csv_with_typo() -> str:
    header, *lines = example_csv_with(lambda _: None).splitlines()
    return "\n".join([header.replace("dbs_cleared_on", "dbs_cleared"), *lines]) + "\n"
