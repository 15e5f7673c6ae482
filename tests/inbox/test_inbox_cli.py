"""`scls tasks list/show` and `scls people load/list` through the real command line, against
a database."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest
import yaml

from tests.cli import run_cli_async, stack_env
from tests.inbox.inbox_builders import Recorder

pytestmark = pytest.mark.postgres

DIRECTORY = {
    "providers": [{"provider_id": "prov-1", "name": "Northern Care Ltd"}],
    "homes": [
        {
            "home_id": "H-1",
            "name": "Rosewood House",
            "cqc_location_id": "1-000000001",
            "provider_id": "prov-1",
        }
    ],
    "people": [
        {
            "person_id": "P-1",
            "display_name": "Ada Participant",
            "email": "ada@example.org",
            "roles": ["participant"],
            "home_id": "H-1",
            "provider_id": "prov-1",
        },
        {
            "person_id": "P-institute-1",
            "display_name": "Ines Institute",
            "email": "ines@example.org",
            "roles": ["institute_lead"],
        },
        {
            "person_id": "P-ops-1",
            "display_name": "Otto Ops",
            "email": "otto@example.org",
            "roles": ["ops"],
        },
    ],
}


def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    # Wide enough that rich tables do not wrap names when stdout is not a terminal.
    return stack_env(tmp_path, SCLS_DATABASE_URL=database_url, COLUMNS="200")


async def test_people_load_then_list(pool: asyncpg.Pool, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(DIRECTORY))
    for _ in range(2):  # loading the same file again changes nothing
        loaded = await run_cli_async("people", "load", str(path), env=env(tmp_path, database_url))
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout.strip() == "loaded 1 providers, 1 homes, 3 people"
    assert await pool.fetchval("SELECT count(*) FROM people") == 3

    listed = await run_cli_async(
        "people", "list", "--role", "ops", "--json", env=env(tmp_path, database_url)
    )
    assert listed.returncode == 0, listed.stderr
    assert [p["person_id"] for p in json.loads(listed.stdout)] == ["P-ops-1"]
    table = await run_cli_async("people", "list", env=env(tmp_path, database_url))
    assert "Ines Institute" in table.stdout and "Rosewood" not in table.stdout


async def test_people_load_of_a_bad_file_writes_nothing_and_names_the_problems(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    bad = json.loads(json.dumps(DIRECTORY))
    bad["people"][1]["email"] = "ines-at-example.org"
    bad["people"][2]["home_id"] = "H-404"
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(bad))
    result = await run_cli_async("people", "load", str(path), env=env(tmp_path, database_url))
    assert result.returncode == 2
    assert "nothing was loaded" in result.stderr
    assert "people[1] (P-institute-1).email" in result.stderr
    assert "'ines-at-example.org' is not a well-formed email address" in result.stderr
    assert "Traceback" not in result.stderr
    assert await pool.fetchval("SELECT count(*) FROM people") == 0
    assert await pool.fetchval("SELECT count(*) FROM providers") == 0

    # A consistency problem across the file (an unknown home) is named too.
    bad["people"][1]["email"] = "ines@example.org"
    path.write_text(json.dumps(bad))
    result = await run_cli_async("people", "load", str(path), env=env(tmp_path, database_url))
    assert result.returncode == 2
    assert "person P-ops-1 names unknown home H-404" in result.stderr
    assert await pool.fetchval("SELECT count(*) FROM people") == 0

    # A clash with someone already stored (an email taken) fails whole, without a traceback.
    await pool.execute(
        "INSERT INTO people (person_id, display_name, email, roles) "
        "VALUES ('X-1', 'Someone', 'otto@example.org', '{ops}')"
    )
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(DIRECTORY))
    result = await run_cli_async("people", "load", str(good), env=env(tmp_path, database_url))
    assert result.returncode == 2
    assert "otto@example.org" in result.stderr and "nothing was loaded" in result.stderr
    assert await pool.fetchval("SELECT count(*) FROM people") == 1

    # A cell a cohort file would refuse is refused here too, with the same words.
    bad = json.loads(json.dumps(DIRECTORY))
    bad["people"][0]["display_name"] = '=HYPERLINK("http://evil.example","Click")'
    bad["homes"][0]["name"] = "Oak\u0000House"
    path.write_text(json.dumps(bad))
    result = await run_cli_async("people", "load", str(path), env=env(tmp_path, database_url))
    assert result.returncode == 2, result.stderr
    assert "display_name: starts with '=', which a spreadsheet runs as a formula" in result.stderr
    assert "name: holds a control character (U+0000) at character 4" in result.stderr
    assert await pool.fetchval("SELECT count(*) FROM people") == 1

    missing = await run_cli_async(
        "people", "load", str(tmp_path / "nope.yaml"), env=env(tmp_path, database_url)
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr


async def test_tasks_list_json_and_show(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(DIRECTORY))
    assert (
        await run_cli_async("people", "load", str(path), env=env(tmp_path, database_url))
    ).returncode == 0
    p1 = Recorder(pool, "P-1")
    await p1.at_institute()
    p2 = Recorder(pool, "P-2")
    await p2.enrol(cohort_id="C-south-2027")

    listed = await run_cli_async(
        "tasks", "list", "--assignee", "P-institute-1", "--json", env=env(tmp_path, database_url)
    )
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert entry["participant_id"] == "P-1"
    assert entry["participant_name"] == "Ada Participant"
    assert entry["task_id"] == "institute_completion"
    assert entry["assignee_name"] == "Ines Institute"
    # The programme runs in 2027: nothing is overdue by the database's clock yet.
    assert entry["overdue"] is False
    assert entry["due_at"].startswith("2027-10-25")

    by_cohort = await run_cli_async(
        "tasks", "list", "--cohort", "C-south-2027", "--json", env=env(tmp_path, database_url)
    )
    assert [(e["participant_name"], e["task_id"]) for e in json.loads(by_cohort.stdout)] == [
        ("P-2", "pre_start_checks")  # not in the directory: shown by id
    ]
    overdue = await run_cli_async("tasks", "list", "--overdue", env=env(tmp_path, database_url))
    assert overdue.returncode == 0 and "no open tasks" in overdue.stdout
    table = await run_cli_async("tasks", "list", env=env(tmp_path, database_url))
    assert "Ada Participant" in table.stdout and "P-2/pre_start_checks" in table.stdout

    shown = await run_cli_async(
        "tasks", "show", "P-1/pre_start_checks", env=env(tmp_path, database_url)
    )
    assert shown.returncode == 0, shown.stderr
    assert "status       approved" in shown.stdout
    assert "approved by Otto Ops (P-ops-1)" in shown.stdout
    as_json = await run_cli_async(
        "tasks",
        "show",
        "institute_completion",
        "--participant",
        "P-1",
        "--json",
        env=env(tmp_path, database_url),
    )
    assert json.loads(as_json.stdout)["status"] == "open"

    unknown = await run_cli_async("tasks", "show", "P-1/nothing", env=env(tmp_path, database_url))
    assert unknown.returncode == 2
    assert "participant P-1 has no task nothing" in unknown.stderr
    nobody = await run_cli_async("tasks", "show", "P-9/x", env=env(tmp_path, database_url))
    assert nobody.returncode == 2 and "no participant P-9 is on record" in nobody.stderr
    bare = await run_cli_async("tasks", "show", "x", env=env(tmp_path, database_url))
    assert bare.returncode == 2 and "PARTICIPANT/TASK" in bare.stderr


async def test_decide_without_a_reachable_temporal_is_a_clean_error(tmp_path: Path) -> None:
    result = await run_cli_async(
        "tasks",
        "decide",
        "P-1/institute_completion",
        "--as",
        "P-institute-1",
        "--outcome",
        "approve",
        env=stack_env(tmp_path, SCLS_TEMPORAL_ADDRESS="127.0.0.1:1"),
    )
    assert result.returncode == 2
    assert "cannot connect to Temporal" in result.stderr and "Traceback" not in result.stderr
