"""The ops page "Success measures" and a participant's LQF growth chart in Chromium, on the
record of a cohort of two on programme 2026.2: both rated their care placement at Oak
House poorly, Amy's leadership grew over the two years, and her alumni record says she
has been a Registered Manager of Oak House since five months after leaving, which CQC
rated better after she took it. Ops open the page from the menu, see Oak House flagged
with both ratings as evidence, and follow the evidence to Amy's page and her chart.

The two programmes are decided by the domain in a moment (realistic answers) and
appended to the event store, whose projections are what the pages read."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from playwright.async_api import Browser, expect

from contracts.event_log import NewEvent
from domain.alumni.events import AlumniEvent, AlumniRecordOpened
from domain.alumni.record import (
    AlumniState,
    AnswerCheckIn,
    answer_check_in,
    due,
    evolve_alumni,
    new_alumni_record,
)
from domain.cqc import read_cqc_file
from domain.ids import alumni_workflow_id, participant_workflow_id
from domain.participant.commands import ParticipantCommand
from domain.participant.decide import decide
from domain.participant.state import ParticipantState, initial_state
from domain.programme.alumni import CHECK_INS, Destination
from domain.programme.feedback import LqfPoint
from domain.programme.phases import ParticipantStatus
from domain.programme.tasks import Task, TaskKind
from domain.rehearsal.people import feedback_for, work_and_answer
from domain.roles import Role
from store.cqc import import_ratings
from store.events import append
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, run_programme
from tests.web.conftest import Console, new_page, screenshot, sign_in

pytestmark = pytest.mark.postgres

# Levels 1-4 at the start, the end of year one and of year two.
SELF_LEVELS = {LqfPoint.START: 1, LqfPoint.END_OF_YEAR_ONE: 2, LqfPoint.END_OF_YEAR_TWO: 3}
OTHERS_LEVELS = {LqfPoint.START: 2, LqfPoint.END_OF_YEAR_ONE: 3, LqfPoint.END_OF_YEAR_TWO: 4}


def _answer(state: ParticipantState, task: Task) -> list[ParticipantCommand]:
    """As people would, but the care placement rated poorly by its participant and the
    LQF levels rising over the two years."""
    if task.task_id == "placement_rating.care_placement.participant":
        return [feedback_for(task, score=2)]
    if task.kind == TaskKind.LQF_ASSESSMENT:
        point = next(p for p in LqfPoint if task.key.split(".")[1] == p.value)
        levels = SELF_LEVELS if task.role == Role.PARTICIPANT else OTHERS_LEVELS
        return [feedback_for(task, score=levels[point])]
    return work_and_answer(state, task)


async def _completed(pool: asyncpg.Pool, participant_id: str) -> ParticipantState:
    state = initial_state(participant_id)
    enrolled = decide(
        state,
        enrol_command(participant_id, programme_version="2026.2"),
        PROGRAMME_START - timedelta(weeks=6),
    )
    state = applied(state, enrolled)
    assert state.as_of is not None
    state, rest = run_programme(state, state.as_of, _answer)
    assert state.status == ParticipantStatus.COMPLETED
    events = [NewEvent.of(event) for event in [*enrolled, *rest]]
    await append(pool, PROJECTIONS, participant_workflow_id(participant_id), 0, events)
    return state


async def _alumnus_in_rm_post(pool: asyncpg.Pool, participant: ParticipantState) -> None:
    """Asked on leaving, at 6 and 12 months (answered) and at 24 (not yet)."""
    left_at = participant.completed_at
    assert left_at is not None
    opening = AlumniRecordOpened(
        person_id=participant.participant_id,
        cohort_id=participant.cohort_id or "",
        left_as=ParticipantStatus.COMPLETED,
        left_at=left_at,
        home_id=participant.home_id,
        ops_lead=participant.person_for(Role.OPS),
        opened_at=left_at,
    )
    state: AlumniState = evolve_alumni(new_alumni_record(opening.person_id), opening)
    events: list[AlumniEvent] = [opening]
    since = (left_at + timedelta(days=150)).date()
    for check_in in CHECK_INS:
        at = left_at + check_in.after_leaving + timedelta(days=1)
        recorded = due(state, at)
        state = _applied(state, recorded)
        events += recorded
        if check_in.months == 24:
            continue  # asked, not answered yet
        in_rm_post = check_in.months > 0
        answered = answer_check_in(
            state,
            AnswerCheckIn(
                by=opening.person_id,
                number=check_in.number,
                destination=(
                    Destination.REGISTERED_MANAGER if in_rm_post else Destination.OTHER_MANAGEMENT
                ),
                service_location_id="1-100" if in_rm_post else None,
                in_post_since=since if in_rm_post else None,
            ),
            at,
        )
        state = _applied(state, answered)
        events += answered
    stream = alumni_workflow_id(opening.person_id)
    await append(pool, PROJECTIONS, stream, 0, [NewEvent.of(event) for event in events])
    before, after = since - timedelta(days=400), since + timedelta(days=90)
    await import_ratings(
        pool,
        read_cqc_file(
            "Location ID,Location Name,Overall Rating,Safe,Effective,Caring,Responsive,"
            "Well-led,Publication Date\n"
            f"1-100,Oak House,Requires improvement,Good,Good,Good,Good,Inadequate,{before}\n"
            f"1-100,Oak House,Good,Good,Good,Good,Good,Good,{after}\n"
        ),
    )


def _applied(state: AlumniState, events: list[AlumniEvent]) -> AlumniState:
    for event in events:
        state = evolve_alumni(state, event)
    return state


async def test_ops_read_the_success_measures_and_follow_a_flag_to_a_participants_lqf_growth(
    console: Console, pool: asyncpg.Pool, browser: Browser
) -> None:
    amy = await _completed(pool, "P-amy")
    await _completed(pool, "P-ben")
    await _alumnus_in_rm_post(pool, amy)
    page = await new_page(browser)

    # Ops open the page from the menu
    await sign_in(page, console.url, "p-ops-1@scls.test")
    await page.get_by_role("link", name="Success measures").click()
    await page.wait_for_url(f"{console.url}/measures")
    await expect(page.get_by_role("heading", name="Success measures", level=1)).to_be_visible()

    # The cohort's numbers: two recruited and completed; Amy in an RM post at 12 months
    row = page.locator("tr.cohort-measures[data-cohort='C-north-2027']")
    cells = await row.locator("td").all_inner_texts()
    assert cells[:3] == ["2", "2", "0"]  # recruited, completed, withdrawn
    assert cells[3:6] == ["1 of 1", "1", "1"]  # 12 months: answered, in RM post, retained
    assert cells[6:9] == ["0 of 1", "0", "0"]  # 24 months: asked, not answered yet
    # Charts drawn on the server: SVG in the page, no script
    assert await page.locator("section#quantitative svg").count() >= 1
    assert await page.locator("script").count() == 0

    # No feedback from people receiving care was recorded: none yet, not a score of 0
    feedback = page.locator("section#qualitative svg text.bar-value")
    assert await feedback.all_text_contents() == ["4.0", "4.0", "none yet", "3.75"]

    # Oak House flagged, with both participants' ratings as the evidence
    oak = page.locator("tr.place[data-place='H-1']")
    await expect(oak).to_have_class("place flagged")
    flag = page.locator("#flag-H-1")
    await expect(flag.get_by_role("heading")).to_have_text("Flagged: Oak House")
    await expect(flag.get_by_role("listitem")).to_have_count(2)
    await expect(flag.get_by_role("link", name="Amy Achieve")).to_be_visible()
    await expect(flag.get_by_role("link", name="Ben Begin")).to_be_visible()

    # Oak House rated Requires improvement before Amy took it, Good after
    service = page.locator("tr.service[data-location='1-100']")
    await expect(service.locator("th")).to_have_text("Amy Achieve")
    await expect(service.locator("td.before")).to_contain_text("Requires improvement")
    await expect(service.locator("td.after")).to_contain_text("Good")
    await screenshot(page, "measures")

    # The evidence leads to Amy's page, where her leadership growth is charted
    await flag.get_by_role("link", name="Amy Achieve").click()
    await page.wait_for_url(f"{console.url}/participants/P-amy")
    growth = page.locator("section#leadership")
    await expect(growth.get_by_role("heading", name="Leadership growth")).to_be_visible()
    charts = growth.locator("figure.lqf-chart")
    await expect(charts).to_have_count(5)  # the framework's first five dimensions
    first = charts.first
    titles = await first.locator("rect title").all_text_contents()
    assert titles == [
        f"{point.label}, {who}: {float(levels[point])}"
        for point in LqfPoint
        for who, levels in (("self", SELF_LEVELS), ("others", OTHERS_LEVELS))
    ]
    heights = [float(h or 0) for h in await _heights(first)]
    assert heights[0] < heights[2] < heights[4], "self-assessed levels rise year on year"
    await growth.evaluate("section => section.scrollIntoView()")
    await screenshot(page, "participant-lqf", full_page=False)


async def _heights(chart) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [await rect.get_attribute("height") for rect in await chart.locator("rect").all()]
