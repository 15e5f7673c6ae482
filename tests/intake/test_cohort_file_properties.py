"""Malformed cohort files, generated: the check never fails with anything but the list
of problems, and `scls cohort start` never crashes with a traceback nor starts anything.

The files are the examples with random damage (lines dropped, doubled, swapped or
replaced, characters inserted or cut, the text truncated), so they stay close enough to
a cohort file to reach the deeper checks, and plain random text.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from domain.cohort.intake import CohortIntake, InvalidCohortFile
from domain.cohort.intake_file import FileFormat, read_cohort_file
from scls.cli import app
from tests.cli import stack_env
from tests.intake.cohort_files import EXAMPLE_CSV, EXAMPLE_YAML

TODAY = datetime.now(UTC).date()
EXAMPLES: dict[FileFormat, str] = {
    "csv": EXAMPLE_CSV.read_text(encoding="utf-8"),
    "yaml": EXAMPLE_YAML.read_text(encoding="utf-8"),
}
_NASTY = st.sampled_from(
    [",", '"', "\n", ":", "- ", "{", "[", "&a", "*a", "!!python/object", "\t", "2029-13-45",
     "\ufeff", "\x00", "NW29-01", "adult_first", "  ", "#", "''", "1e309", "~"]
)  # fmt: skip


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            break
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        match draw(st.integers(min_value=0, max_value=6)):
            case 0:
                del lines[at]
            case 1:
                lines.insert(at, lines[at])
            case 2:
                other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
                lines[at], lines[other] = lines[other], lines[at]
            case 3:
                lines[at] = draw(st.text(max_size=40)) + "\n"
            case 4:
                cut = draw(st.integers(min_value=0, max_value=len(lines[at])))
                lines[at] = lines[at][:cut] + draw(_NASTY) + lines[at][cut:]
            case 5:
                start = draw(st.integers(min_value=0, max_value=len(lines[at])))
                lines[at] = lines[at][:start] + lines[at][start + 3 :]
            case _:
                lines = lines[:at]
    return "".join(lines)


def files() -> st.SearchStrategy[tuple[FileFormat, str]]:
    formats = st.sampled_from(["csv", "yaml"])
    return st.one_of(
        formats.flatmap(lambda f: damaged(EXAMPLES[f]).map(lambda text: (f, text))),
        st.tuples(formats, st.text(max_size=300)),
    )


@settings(max_examples=400, deadline=None)
@given(files())
def test_the_check_only_ever_answers_with_problems(file: tuple[FileFormat, str]) -> None:
    file_format, text = file
    try:
        checked = read_cohort_file(text, file_format, today=TODAY)
    except InvalidCohortFile as invalid:
        assert invalid.problems
        assert all(p.where and p.message for p in invalid.problems)
    else:
        assert isinstance(checked, CohortIntake)


def _invalid(file_format: FileFormat, text: str) -> bool:
    try:
        read_cohort_file(text, file_format, today=TODAY)
    except InvalidCohortFile:
        return True
    return False


@pytest.mark.postgres
def test_start_never_crashes_and_never_starts_a_malformed_cohort(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    """Against the real servers, so a start that got through would be seen."""
    task_queue = f"malformed-{uuid.uuid4().hex[:8]}"
    env = stack_env(
        tmp_path,
        SCLS_DATABASE_URL=database_url,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=task_queue,
    )
    runner = CliRunner()
    suffix = {"csv": ".csv", "yaml": ".yaml"}

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(files())
    def start(file: tuple[FileFormat, str]) -> None:
        file_format, text = file
        assume(_invalid(file_format, text))
        path = tmp_path / f"cohort{suffix[file_format]}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        result = runner.invoke(app, ["cohort", "start", str(path)], env=env)
        assert isinstance(result.exception, SystemExit | None), result.exception
        assert result.exit_code == 1, result.output
        assert "nothing started" in result.output
        assert "Traceback" not in result.output

    start()
    workflows, rows = asyncio.run(_what_started(dev_env, database_url, task_queue))
    assert workflows == []
    assert rows == {"events": 0, "people": 0, "homes": 0}


async def _what_started(
    dev_env: WorkflowEnvironment, database_url: str, task_queue: str
) -> tuple[list[str], dict[str, int]]:
    client = await Client.connect(dev_env.client.service_client.config.target_host)
    workflows = [w.id async for w in client.list_workflows(f'TaskQueue = "{task_queue}"')]
    connection = await asyncpg.connect(database_url)
    try:
        rows = {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("events", "people", "homes")
        }
    finally:
        await connection.close()
    return workflows, rows
