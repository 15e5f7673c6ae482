"""A participant's own programme in Chromium, against participant and cohort workflows on
the dev server: their coach records a session with notes, ops record who came to a
conference, and the participant signs in on a phone and finds all of it on My programme
with the rest of their record. Server-side refusals: a participant opening another's
page, a Registered Manager reading coaching notes, a mentor recording coaching.

The two participants' first half-year is decided by the domain in a moment (realistic
answers, in real time), appended to the event store, and their workflows started from
that state, as a continue-as-new would: so they are five weeks into the 80/20 phase,
in real time, and nothing falls due while the test runs."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from playwright.async_api import Browser
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.event_log import NewEvent
from domain.cohort.decide import (
    CohortDefinition,
    enrolments,
    open_cohort,
)
from domain.cohort.events import ParticipantProgressed
from domain.cohort.state import fold_cohort
from domain.ids import cohort_workflow_id, participant_workflow_id
from domain.participant.commands import AdvanceTime, Enrol, SubmitTimesheet
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.state import ParticipantState, initial_state
from domain.programme.phases import Phase
from store.events import append
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import applied, cohort_of, run_until
from tests.web.conftest import SCREENSHOTS, Console, new_page, screenshot, sign_in
from worker import build_worker
from workflows.cohort import CohortRun, CohortWorkflow
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

COHORT = "C-mine-2027"
NOTES = "Talked through the first rota she wrote: the weekend gaps, and asking for help."


@dataclass(frozen=True)
class Running:
    cohort: WorkflowHandle
    participants: dict[str, WorkflowHandle]


def _definition(start: datetime) -> CohortDefinition:
    return cohort_of(
        ("P-amy", "P-ben"),
        cohort_id=COHORT,
        hub="North West",
        start=start,
        programme_version="2025.1",
    )


def _history(
    enrolment: Enrol, enrolled_at: datetime, now: datetime, *, hours: bool
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    """Enrolled, signed through to the 80/20 phase as managers would, and (if `hours`)
    four weeks of it recorded, a fifth of them off the floor; caught up to `now`."""
    state = initial_state(enrolment.participant_id)
    events = decide(state, enrolment, enrolled_at)
    state, more = run_until(applied(state, events), Phase.FIRST_LINE_MANAGEMENT)
    events += more
    started = state.phase_started_at
    assert started is not None
    commands: list[SubmitTimesheet | AdvanceTime] = []
    if hours:
        first_monday = started.date() + timedelta(days=7 - started.weekday())
        commands += [
            SubmitTimesheet(
                by="P-rm-1",
                week_start=first_monday + timedelta(weeks=week),
                care_hours=30,
                management_hours=8,
            )
            for week in range(4)
        ]
    for command in (*commands, AdvanceTime()):
        decided = decide(state, command, now)
        state = applied(state, decided)
        events += decided
    return state, events


@pytest.fixture
async def running(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, console: Console
) -> AsyncIterator[Running]:
    now = datetime.now(UTC)
    # Twenty-five weeks after the start: five into the 80/20 phase.
    definition = _definition(now - timedelta(weeks=25))
    enrolled_at = definition.start_date - timedelta(weeks=6)
    cohort_events = open_cohort(definition, enrolled_at)
    carried = {}
    for enrolment in enrolments(definition):
        pid = enrolment.participant_id
        state, events = _history(enrolment, enrolled_at, now, hours=pid == "P-amy")
        stream = participant_workflow_id(pid)
        await append(pool, PROJECTIONS, stream, 0, [NewEvent.of(e) for e in events])
        carried[pid] = ParticipantRun(
            enrolment=enrolment, cohort_workflow_id=cohort_workflow_id(COHORT), state=state
        )
        assert state.status is not None
        cohort_events.append(
            ParticipantProgressed(
                participant_id=pid,
                phase=state.phase,
                rag=state.rag,
                status=state.status,
                progressed_at=now,
            )
        )
    stream = cohort_workflow_id(COHORT)
    await append(pool, PROJECTIONS, stream, 0, [NewEvent.of(e) for e in cohort_events])

    task_queue = f"mine-{uuid.uuid4().hex[:8]}"
    async with build_worker(dev_env.client, pool, task_queue, console.settings):
        cohort = await dev_env.client.start_workflow(
            CohortWorkflow.run,
            CohortRun(
                definition=definition,
                state=fold_cohort(cohort_events, COHORT),
                participants_started=True,
            ),
            id=stream,
            task_queue=task_queue,
        )
        participants = {
            pid: await dev_env.client.start_workflow(
                ParticipantWorkflow.run,
                run,
                id=participant_workflow_id(pid),
                task_queue=task_queue,
            )
            for pid, run in carried.items()
        }
        try:
            yield Running(cohort=cohort, participants=participants)
        finally:
            for handle in (cohort, *participants.values()):
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")


async def test_a_participant_sees_their_programme_on_a_phone(
    running: Running, console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    url = console.url
    today = datetime.now(UTC).date()

    # Her coach records this morning's session from her page, with notes.
    coach = await new_page(browser)
    await sign_in(coach, url, "P-coach-1")
    await coach.goto(f"{url}/participants/P-amy")
    form = coach.locator("#sessions form")
    assert "A coaching session with Amy Achieve." in await form.inner_text()
    await coach.get_by_label("Length in minutes").fill("50")
    await coach.get_by_label("Managing services: rotas, resources, supervision").check()
    await coach.get_by_label("Wellbeing and resilience").check()
    await coach.get_by_label("Notes").fill(NOTES)
    await form.screenshot(path=str(SCREENSHOTS / "session-form.png"))
    await coach.get_by_role("button", name="Record the session").click()
    await coach.wait_for_url(f"{url}/participants/P-amy#sessions")
    assert await coach.inner_text(".flash") == (f"Coaching session 1 of {today:%d %b %Y} recorded.")
    await coach.locator("tr.session").get_by_role("link", name="Read").click()
    await coach.wait_for_url(f"{url}/participants/P-amy/sessions/1")
    assert await coach.inner_text("#session-notes") == NOTES

    # Her Registered Manager sees the session, not its notes: the server refuses them.
    manager = await new_page(browser)
    await sign_in(manager, url, "P-rm-1")
    await manager.goto(f"{url}/participants/P-amy")
    row = manager.locator("tr.session")
    assert "for the participant and Cora Coach only" in await row.inner_text()
    assert await row.get_by_role("link", name="Read").count() == 0
    notes = await manager.goto(f"{url}/participants/P-amy/sessions/1")
    assert notes is not None and notes.status == 403
    assert NOTES not in await manager.content()
    assert "are for the participant and the person who held it alone" in await manager.inner_text(
        "[role=alert]"
    )
    await screenshot(manager, "session-notes-refused")
    # Her mentor cannot record coaching, even by posting the form by hand.
    mentor = await new_page(browser)
    await sign_in(mentor, url, "P-mentor-1")
    await mentor.goto(f"{url}/participants/P-amy")
    token = await mentor.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = await mentor.request.post(
        f"{url}/participants/P-amy/sessions",
        form={
            "csrf_token": token or "",
            "kind": "coaching",
            "held_on": today.isoformat(),
            "minutes": "30",
            "themes": "career",
        },
        max_redirects=0,
    )
    assert forged.status == 409
    assert (
        "P-mentor-1 may not record a coaching session for participant P-amy: only their "
        "coach P-coach-1 may"
    ) in await forged.text()

    # Ops record who came to the first conference.
    ops = await new_page(browser)
    await sign_in(ops, url, "P-ops-1")
    await ops.goto(f"{url}/cohorts/{COHORT}")
    await ops.get_by_role("link", name="Record attendance at conference 1").click()
    await ops.get_by_role("radio", name="Amy Achieve P-amy Attended").check()
    await ops.get_by_role("radio", name="Ben Begin P-ben Absent").check()
    await screenshot(ops, "conference-attendance")
    await ops.get_by_role("button", name="Record attendance").click()
    await ops.wait_for_url(f"{url}/cohorts/{COHORT}#conferences")
    assert await ops.inner_text(".flash") == "Conference 1 recorded: 1 attended, 1 absent."
    # The dashboard lists who has gone twice the cadence without a session: neither has
    # seen their mentor since the care placement began, nor Ben his coach; Amy has now.
    await ops.goto(f"{url}/cohorts")
    missed = ops.locator("tr.missed-session")
    rows = [await missed.nth(n).inner_text() for n in range(await missed.count())]
    assert len(rows) == 3, rows
    assert "Amy Achieve" in rows[0] and "mentoring" in rows[0] and "never" in rows[0]
    assert "Ben Begin" in rows[1] and "mentoring" in rows[1]
    assert "Ben Begin" in rows[2] and "coaching" in rows[2]
    await screenshot(ops, "dashboard-missed-sessions")

    # Amy signs in on her phone and lands on My programme.
    phone = await new_page(browser, phone=True)
    await sign_in(phone, url, "p-amy@scls.test", lands_on="/my-programme")
    assert "First-line management experience (80/20)" in await phone.inner_text(".step-current")
    assert "Towards Registered Manager status (60/40)" in await phone.inner_text("#next")
    waiting = await phone.inner_text("#waiting-on")
    assert "Progress review 2 (participant, employer and scheme) — Dev Lead, since" in waiting
    assert "Level 3 Diploma in Adult Care achieved — Asha Assessor, since" in waiting
    assert "Nothing is due from you." in await phone.inner_text("#due-from-you")
    assert await phone.inner_text("#my-share") == "21%"
    assert "Target in this phase: 20%" in await phone.inner_text("#management")
    conferences = await phone.inner_text("#conferences")
    assert "1. Starting out: leading in adult social care" in conferences
    assert "attended" in conferences.splitlines()[1]
    support = await phone.inner_text("#support")
    assert "Independent coach\nCora Coach · p-coach-1@scls.test" in support
    # Her course partner by name and address, never a link to his record.
    partner = phone.locator("#support dd.partner")
    assert "Ben Begin" in await partner.inner_text()
    assert await partner.locator("a[href^='/participants']").count() == 0
    session = phone.locator("li.session")
    assert (
        "Coaching on" in await session.inner_text() and "Cora Coach" in await session.inner_text()
    )
    await session.locator("summary").click()
    assert await session.locator("p.notes").inner_text() == NOTES
    assert "First placement review — approved by Rita Manager on" in await phone.inner_text(
        "#sign-offs"
    )
    await screenshot(phone, "my-programme-phone")

    desktop = await new_page(browser)
    await sign_in(desktop, url, "P-amy", lands_on="/my-programme")
    await screenshot(desktop, "my-programme")

    # Her own staff page is My programme; another participant's page is not found.
    await desktop.goto(f"{url}/participants/P-amy")
    assert desktop.url == f"{url}/my-programme"
    # Another participant's page answers as one that does not exist would.
    refused = await desktop.goto(f"{url}/participants/P-ben")
    assert refused is not None and refused.status == 404
    assert "There is no participant P-ben that you may see" in await desktop.inner_text("main")
    assert await desktop.get_by_role("link", name="Cohorts").count() == 0
    own_notes = await desktop.goto(f"{url}/participants/P-amy/sessions/1")
    assert own_notes is not None and own_notes.status == 200
    assert await desktop.inner_text("#session-notes") == NOTES

    # And what the workflow holds is what the page read.
    state = await running.participants["P-amy"].query(ParticipantWorkflow.state)
    assert [s.number for s in state.support_sessions] == [1]
