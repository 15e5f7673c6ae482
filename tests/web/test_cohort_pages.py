"""The cohort dashboard and a cohort's page over HTTP (the ASGI app in-process, real
Postgres) say what `scls cohort status` and `scls participant show` say about the same
participants: the counts per phase and RAG, each participant's home. Participants are
recorded through the real projections, no workflow runs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import asyncpg
import httpx
import pytest

from domain.intervention.outcomes import ConcernKind, Severity
from domain.participant.events import HomeChanged, InterventionOpened
from domain.people import Directory
from domain.programme.phases import Phase
from domain.rag import RagStatus
from scls.settings import Settings
from scls.web.app import create_app
from scls.web.services import WebServices
from tests.domain.domain_builders import PROGRAMME_START
from tests.inbox.inbox_builders import Recorder
from tests.intake.cohort_reads import COHORT, cli_json, on_a_break, reads_env
from tests.web.conftest import PASSWORD
from tests.web.test_sign_in import BASE, token_of

pytestmark = pytest.mark.postgres


@pytest.fixture
async def ops(
    pool: asyncpg.Pool, web_settings: Settings, directory: Directory
) -> AsyncIterator[httpx.AsyncClient]:
    """Ops signed in to the console."""

    async def no_temporal():  # type: ignore[no-untyped-def]
        raise AssertionError("the cohort pages read Postgres only")

    app = create_app(WebServices(pool=pool, settings=web_settings, connect=no_temporal), "s3cret")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        token = token_of((await client.get("/sign-in")).text)
        signed = await client.post(
            "/sign-in", data={"csrf_token": token, "login": "P-ops-1", "password": PASSWORD}
        )
        assert signed.status_code == 303
        yield client


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def phase_chart(page: str) -> dict[str, int]:
    """The dashboard's chart: each phase's label and the count beside its bar."""
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>.*?<span class="count">(\d+)</span>', page, re.S
    )
    return {unescape(label): int(n) for label, n in rows}


def cohort_rag(page: str, cohort_id: str) -> dict[str, int]:
    """Green, amber and red in the dashboard's row for the cohort."""
    row = re.search(
        rf'<tr class="cohort">\s*<td><a href="/cohorts/{cohort_id}">.*?</tr>', page, re.S
    )
    assert row is not None, f"no row for {cohort_id}"
    cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(), re.S)]
    return dict(zip(("green", "amber", "red"), map(int, cells[3:6]), strict=True))


async def test_the_dashboard_counts_a_participant_on_a_break_in_their_phase_as_status_does(
    pool: asyncpg.Pool, ops: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    cli_env = reads_env(database_url, tmp_path)
    # Failed before: the dashboard counted active participants only (1 in the Institute,
    # 1 green), `scls cohort status` those on a break as well (2, 1 green and 1 amber).
    await Recorder(pool, "P-amy").at_institute(COHORT)
    await on_a_break(pool, "P-ben")
    status = await cli_json(cli_env, "cohort", "status", COHORT)
    page = (await ops.get("/cohorts")).text
    assert status["per_phase"] == {"summer_institute": 2}
    assert phase_chart(page) == {
        phase.label: status["per_phase"].get(phase.value, 0)  # type: ignore[attr-defined]
        for phase in Phase
    }
    assert cohort_rag(page, COHORT) == {
        rag.value: status["rag"].get(rag.value, 0)  # type: ignore[attr-defined]
        for rag in RagStatus
    }


async def test_the_cohort_page_shows_the_home_a_participant_moved_to(
    pool: asyncpg.Pool, ops: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    cli_env = reads_env(database_url, tmp_path)
    # Failed before: the page read the home of the enrolment (H-1), not the current one.
    amy = Recorder(pool, "P-amy")
    await amy.at_institute(COHORT)
    moved = PROGRAMME_START + timedelta(days=3)
    await amy.record(
        [
            InterventionOpened(
                case_number=1,
                kind=ConcernKind.PLACEMENT_BREAKDOWN,
                severity=Severity.HIGH,
                assignee="P-devlead-1",
                review_task_id="intervention.1.review",
                opened_at=moved,
            ),
            HomeChanged(
                case_number=1,
                from_home="H-1",
                to_home="H-2",
                registered_manager="P-rm-2",
                employer_mentor="P-mentor-2",
                changed_at=moved,
            ),
        ]
    )
    shown = await cli_json(cli_env, "participant", "show", "P-amy")
    page = (await ops.get(f"/cohorts/{COHORT}")).text
    row = re.search(r'<tr class="participant">.*?</tr>', page, re.S)
    assert row is not None
    home = text_of(re.findall(r"<td>(.*?)</td>", row.group(), re.S)[1]).strip()
    assert shown["home_id"] == "H-2"
    assert home == shown["home_id"]
