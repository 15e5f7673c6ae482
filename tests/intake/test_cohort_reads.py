"""`scls cohort list` and `scls cohort status` read the same participants the same way:
who is on the programme, and who of them is at risk. Participants are recorded through
the real projections; no workflow runs and no Temporal listens."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from tests.inbox.inbox_builders import Recorder
from tests.intake.cohort_reads import COHORT, cli_json, on_a_break, reads_env

pytestmark = pytest.mark.postgres


async def test_at_risk_in_the_cohort_list_is_the_amber_and_red_of_cohort_status(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    cli_env = reads_env(database_url, tmp_path)
    # Failed before: the list counted only active participants at risk (0), while status
    # showed the amber participant on a break among those on the programme.
    await Recorder(pool, "P-amy").at_institute(COHORT)
    await on_a_break(pool, "P-ben")
    [listing] = await cli_json(cli_env, "cohort", "list")
    status = await cli_json(cli_env, "cohort", "status", COHORT)
    assert isinstance(status, dict) and status["rag"] == {"green": 1, "amber": 1}
    assert listing["at_risk"] == status["rag"].get("amber", 0) + status["rag"].get("red", 0)
