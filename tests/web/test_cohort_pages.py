"""The cohort dashboard and a cohort's page over HTTP (the ASGI app in-process, real
Postgres) say what `scls cohort status` and `scls participant show` say about the same
participants: the counts per phase and RAG, each participant's home, the coming
conferences. Participants are recorded through the real projections, no workflow runs."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

import asyncpg
import httpx
import pytest

from contracts.event_log import NewEvent
from domain.cohort.decide import open_cohort
from domain.cohort.events import ConferenceScheduled
from domain.people import Directory
from domain.programme.phases import Phase
from domain.rag import RagStatus
from scls.settings import Settings
from scls.web import cohorts as cohort_pages
from scls.web.app import create_app
from scls.web.services import WebServices
from store.events import append
from store.read_models import PROJECTIONS
from tests.cli import run_cli_async
from tests.domain.domain_builders import PROGRAMME_START, cohort_of
from tests.inbox.inbox_builders import Recorder
from tests.intake.cohort_reads import COHORT, cli_json, moved_home, on_a_break, reads_env
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
        phase.label: status["per_phase"].get(phase.value, 0) for phase in Phase
    }
    assert cohort_rag(page, COHORT) == {
        rag.value: status["rag"].get(rag.value, 0) for rag in RagStatus
    }


async def test_the_cohort_page_shows_the_home_a_participant_moved_to(
    pool: asyncpg.Pool, ops: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    cli_env = reads_env(database_url, tmp_path)
    # Failed before: the page read the home of the enrolment (H-1), not the current one.
    await moved_home(pool, "P-amy")
    shown = await cli_json(cli_env, "participant", "show", "P-amy")
    page = (await ops.get(f"/cohorts/{COHORT}")).text
    row = re.search(r'<tr class="participant">.*?</tr>', page, re.S)
    assert row is not None
    home = text_of(re.findall(r"<td>(.*?)</td>", row.group(), re.S)[1]).strip()
    assert shown["home_id"] == "H-2"
    assert home == shown["home_id"]


class _Frozen(datetime):
    """The clock both reads see: the end of the cohort's first conference."""

    at: datetime

    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return cls.at


async def _cohort_with_conferences(
    pool: asyncpg.Pool, start: datetime = PROGRAMME_START
) -> list[ConferenceScheduled]:
    """A cohort of two opened on the record; its conferences, first first."""
    definition = cohort_of(
        ("P-amy", "P-ben"),
        cohort_id=COHORT,
        hub="North West",
        start=start,
        programme_version="2025.1",
    )
    events = open_cohort(definition, start - timedelta(weeks=6))
    await append(pool, PROJECTIONS, f"cohort-{COHORT}", 0, [NewEvent.of(e) for e in events])
    return sorted(
        (e for e in events if isinstance(e, ConferenceScheduled)), key=lambda e: e.starts_on
    )


async def test_a_conference_that_has_just_ended_is_not_coming_on_the_dashboard_nor_in_status(
    pool: asyncpg.Pool, ops: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Failed before: the dashboard kept a conference whose end is now (ends_on >= now)
    # while `scls cohort status` named the next one (ends_on > now).
    cohort_cli = importlib.import_module("scls.cli.cohort")  # not the Typer app scls.cli exports
    first, second = (await _cohort_with_conferences(pool))[:2]
    _Frozen.at = first.ends_on
    monkeypatch.setattr(cohort_pages, "datetime", _Frozen)
    monkeypatch.setattr(cohort_cli, "datetime", _Frozen)

    status = await cohort_cli._status(pool, COHORT)
    page = (await ops.get("/cohorts")).text
    coming = re.search(r'id="conferences-heading".*?</section>', page, re.S)
    assert coming is not None
    listed = re.findall(r"<li>(.*?)</li>", coming.group(), re.S)
    assert status.next_conference is not None
    assert status.next_conference.number == second.number
    assert listed and status.next_conference.title in unescape(listed[0])
    assert all(first.title not in unescape(item) for item in listed)


async def test_a_two_day_conference_shows_its_last_day_not_the_day_after(
    pool: asyncpg.Pool, ops: httpx.AsyncClient, tmp_path: Path, database_url: str
) -> None:
    # Failed before: a conference from Monday midnight runs until Wednesday midnight, and
    # the pages and `cohort status` gave Wednesday as its end.
    first = (await _cohort_with_conferences(pool, PROGRAMME_START.replace(hour=0)))[0]
    starts, last = first.starts_on.date(), first.starts_on.date() + timedelta(days=1)
    page = (await ops.get(f"/cohorts/{COHORT}")).text
    row = re.search(r'<tr class="conference">.*?</tr>', page, re.S)
    assert row is not None
    assert f"{starts:%d %b %Y}\u2013{last:%d %b %Y}" in unescape(row.group())
    status = await run_cli_async("cohort", "status", COHORT, env=reads_env(database_url, tmp_path))
    assert status.returncode == 0, status.stderr
    assert f"{starts:%Y-%m-%d} to {last:%Y-%m-%d}" in status.stdout
