"""Cohort files that a spreadsheet or a careless paste makes dangerous or unreadable:
control characters and formulas are refused with their row and field, and a file saved
semicolon-separated, tab-separated UTF-16 ("Unicode Text") or in a code page gets a message
that says what it is and how to save it as CSV UTF-8. Through the real command line; a
start of such a file starts nothing and prints no traceback."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import asyncpg
import pytest
import yaml
from temporalio.testing import WorkflowEnvironment

from domain.cohort.intake import InvalidCohortFile
from domain.cohort.intake_file import decode_cohort_file, read_cohort_file
from scls.spreadsheet import spreadsheet_safe, write_csv
from tests.cli import run_cli, run_cli_async, stack_env
from tests.intake.cohort_files import Row, csv_text, example_csv_with, example_rows, example_yaml


def _set(row: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        rows[row].update(cells)

    return change


CASES: list[tuple[str, Callable[[list[Row]], None], str]] = [
    (
        "NUL in a name",
        _set(0, name="Fiona\x00 Walsh"),
        "row 2 (NW29-01), name: holds a control character (U+0000) at character 6",
    ),
    (
        "line break in a home",
        _set(1, home="Oak\nHouse"),
        "row 3 (NW29-02), home: holds a control character (U+000A) at character 4",
    ),
    (
        "right-to-left override in a name",
        _set(2, name="Amy \u202eEvil"),
        "row 4 (NW29-03), name: holds a control character (U+202E RIGHT-TO-LEFT OVERRIDE) "
        "at character 5",
    ),
    (
        "NUL in an email",
        _set(3, email="x\x00@mail.example"),
        "row 5 (NW29-04), email: holds a control character (U+0000) at character 2",
    ),
    (
        "a formula for a name",
        _set(0, name='=HYPERLINK("https://evil.example","Fiona")'),
        "row 2 (NW29-01), name: starts with '=', which a spreadsheet runs as a formula",
    ),
    (
        "a formula for a supporting person's name",
        _set(0, coach_name="@SUM(1+1)*cmd|' /C calc'!A0"),
        "row 2, coach_name: starts with '@', which a spreadsheet runs as a formula",
    ),
    ("a formula for an employer", _set(0, employer="+1+1"), "employer: starts with '+'"),
    ("a formula for a hub", lambda rows: [r.update(hub="-2+3") for r in rows], "hub: starts"),
]


@pytest.mark.parametrize(
    ("change", "problem"), [(c, p) for _, c, p in CASES], ids=[name for name, _, _ in CASES]
)
def test_a_dangerous_cell_is_refused_with_its_row_and_field(
    change: Callable[[list[Row]], None], problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "cohort.csv"
    path.write_text(example_csv_with(change), encoding="utf-8")
    result = run_cli("cohort", "validate", str(path), env=stack_env(tmp_path))
    assert result.returncode == 1, result.stderr
    assert problem in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr
    checked = run_cli("cohort", "validate", str(path), "--json", env=stack_env(tmp_path))
    listed = json.loads(checked.stdout)["problems"]
    problems = [f"{p['where']}, {p['field']}: {p['message']}" for p in listed]
    assert any(problem in line for line in problems), problems


def test_a_yaml_name_with_a_control_character_or_formula_is_refused() -> None:
    document = example_yaml()
    document["participants"][0]["name"] = "Fiona\u2028Walsh"
    document["people"][0]["name"] = "=1+1"
    with pytest.raises(InvalidCohortFile) as refused:
        read_cohort_file(yaml.safe_dump(document), "yaml", today=date(2029, 1, 1))
    lines = [str(p) for p in refused.value.problems]
    assert any(
        line.startswith("participant 1 (NW29-01), name: holds a control character (U+2028")
        for line in lines
    ), lines
    assert any(line.startswith("person 1, name: starts with '='") for line in lines), lines


def _semicolon_csv() -> bytes:
    return csv_text(example_rows()).replace(",", ";").encode()


def _unicode_text() -> bytes:
    """What Excel saves as "Unicode Text (*.txt)": UTF-16 with a byte-order mark, tabs."""
    return csv_text(example_rows()).replace(",", "\t").encode("utf-16")


def _code_page() -> bytes:
    """Excel's plain "CSV (Comma delimited)" on Windows: the Windows-1252 code page."""
    return example_csv_with(_set(0, name="Zoë Walsh")).encode("cp1252")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (_semicolon_csv, "row 1: the columns are separated by semicolons (;), not commas"),
        (_unicode_text, 'the file: it is UTF-16 text, as Excel saves "Unicode Text (*.txt)"'),
        (lambda: _unicode_text()[2:], "the file: it is UTF-16 text"),  # no byte-order mark
        (_code_page, "the file: it is not UTF-8 text (byte 0xeb at position"),
        (
            lambda: csv_text(example_rows()).replace(",", "\t").encode(),
            "row 1: the columns are separated by tabs, not commas",
        ),
    ],
    ids=["semicolons", "utf-16", "utf-16-without-bom", "code-page", "tabs"],
)
def test_a_file_saved_the_wrong_way_says_how_to_save_it(
    content: Callable[[], bytes], what: str, tmp_path: Path
) -> None:
    path = tmp_path / "cohort.csv"
    path.write_bytes(content())
    result = run_cli("cohort", "validate", str(path), env=stack_env(tmp_path))
    assert result.returncode == 1, result.stderr
    said = " ".join(result.stderr.split())
    assert what in said, said
    assert '"CSV UTF-8 (Comma delimited) (*.csv)"' in said
    assert "Traceback" not in said


def test_decoding_takes_utf8_with_or_without_a_byte_order_mark() -> None:
    text = csv_text(example_rows())
    assert decode_cohort_file(text.encode()) == text
    assert decode_cohort_file(b"\xef\xbb\xbf" + text.encode()) == text


@pytest.mark.postgres
async def test_starting_a_file_with_a_nul_or_a_formula_starts_nothing(
    dev_env: WorkflowEnvironment, database_url: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=f"hygiene-{uuid.uuid4().hex[:8]}",
    )
    cohort_id = f"HYG-{uuid.uuid4().hex[:6]}"
    for name in ("Fiona\x00 Walsh", '=HYPERLINK("https://evil.example","Fiona")'):
        rows = [row | {"cohort_id": cohort_id} for row in example_rows()]
        rows[0]["name"] = name
        path = tmp_path / "cohort.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        started = await run_cli_async("cohort", "start", str(path), env=env)
        assert started.returncode == 1, started.stderr
        assert "nothing started" in started.stderr and "row 2 (NW29-01), name:" in started.stderr
        assert "Traceback" not in started.stderr + started.stdout
    assert await pool.fetchval("SELECT count(*) FROM people") == 0
    assert await pool.fetchval("SELECT count(*) FROM events") == 0
    query = f'WorkflowId = "cohort-{cohort_id}"'
    listed = [w.id async for w in dev_env.client.list_workflows(query)]
    assert listed == []


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ('=HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("+4.5", "+4.5"),
        ("12", "12"),
        ("Fiona Walsh", "Fiona Walsh"),
        (None, ""),
    ],
)
def test_every_csv_export_neutralises_formulas(cell: object, exported: str) -> None:
    assert spreadsheet_safe(cell) == exported
    out = io.StringIO()
    write_csv(out, ["name"], [[cell]])
    assert out.getvalue().splitlines()[1].strip('"').replace('""', '"') == exported.strip("\t")
