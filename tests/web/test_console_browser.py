"""The web console in Chromium against participant workflows on the dev server: a
Registered Manager answers their task and reports a concern, a time sheet is refused in
words, ops see the dashboard with the open intervention, an assessor of another home is
refused by the server. Screenshots of the main pages go to artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from playwright.async_api import Browser
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.cohort.report import CohortStatus, cohort_status
from domain.ids import participant_workflow_id
from domain.participant.commands import Enrol
from domain.programme.phases import Phase
from domain.programme.tasks import Outcome
from domain.roles import Role
from domain.support import SupportArrangements
from store.cohorts import cohort_state, participant_states
from store.inbox import open_tasks
from store.participant_progress import PARTICIPANT_PROGRESS
from tests.web.conftest import Console, new_page, screenshot, sign_in
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow, TaskDecision

pytestmark = pytest.mark.postgres

# The programme's two years in about forty seconds of real time.
FAST = 1_500_000.0
COHORT = "C-web-2027"


def support(home: int) -> SupportArrangements:
    return SupportArrangements(
        registered_manager=f"P-rm-{home}",
        employer_mentor=f"P-mentor-{home}",
        development_lead="P-devlead-1",
        coach="P-coach-1",
        assessor=f"P-assessor-{home}",
        institute_lead="P-institute-1",
        ops_lead="P-ops-1",
    )


async def wait_for(check, what: str, seconds: float = 60):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not (result := await check()):
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.1)
    return result


@pytest.fixture
async def participants(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, console: Console
) -> AsyncIterator[dict[str, WorkflowHandle]]:
    """Amy (home H-1) run fast to her care placement with everything signed but her
    Registered Manager's placement review; Ben (home H-2) still at enrolment."""
    task_queue = f"web-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with build_worker(dev_env.client, pool, task_queue, console.settings):
        handles = {}
        for pid, home, scale, start in (
            ("P-amy", 1, FAST, now + timedelta(seconds=2)),
            ("P-ben", 2, 1.0, now + timedelta(weeks=3)),
        ):
            enrolment = Enrol(
                participant_id=pid,
                cohort_id=COHORT,
                programme_version="2025.1",
                time_scale=scale,
                programme_start=start,
                home_id=f"H-{home}",
                support=support(home),
            )
            handles[pid] = await dev_env.client.start_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment),
                id=participant_workflow_id(pid),
                task_queue=task_queue,
            )
        try:
            await _to_placement_review(handles["P-amy"])
            yield handles
        finally:
            for handle in handles.values():
                with contextlib.suppress(RPCError):  # a test may have stopped it already
                    await handle.terminate("test over")


async def _to_placement_review(handle: WorkflowHandle) -> None:
    """Answer everyone's tasks but the Registered Manager's until only hers is left."""

    async def answered() -> bool:
        state = await handle.query(ParticipantWorkflow.state)
        needed = state.sign_offs_needed
        if needed == ("placement_review",) and any(
            t.key == "placement_review" for t in state.open_tasks
        ):
            return True
        for task in state.open_tasks:
            if task.role in (Role.OPS, Role.INSTITUTE_LEAD, Role.ASSESSOR):
                decision = TaskDecision(
                    task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
                )
                await handle.execute_update(ParticipantWorkflow.decide, decision)
        return False

    await wait_for(answered, "Amy's placement review is the last thing to sign")


async def test_a_registered_manager_answers_her_task_and_the_participant_moves_on(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    url = console.url
    page = await new_page(browser)
    await sign_in(page, url, "p-rm-1@scls.test")
    # Exactly her tasks: what the inbox holds for her, and nothing of Ben's.
    mine = await open_tasks(pool, assignee="P-rm-1")
    assert [e.task_id for e in mine] == ["placement_review"]
    rows = page.locator("tr.task")
    assert await rows.count() == len(mine)
    assert "First placement review" in await rows.first.inner_text()
    assert "Ben Begin" not in await page.content()
    await screenshot(page, "my-tasks")

    # The same task open in a second tab, to answer it twice.
    second = await page.context.new_page()
    await second.goto(f"{url}/tasks/P-amy/placement_review")

    await rows.first.get_by_role("link", name="First placement review").click()
    await page.wait_for_url(f"{url}/tasks/P-amy/placement_review")
    assert "Hands-on care work experience" in await page.inner_text(".context")
    await screenshot(page, "task")
    await page.get_by_label("Approve").check()
    await page.get_by_role("button", name="Send answer").click()
    await page.wait_for_url(f"{url}/tasks/P-amy/placement_review")
    assert "Recorded: First placement review — approved." in await page.inner_text(".flash")

    # The second tab still shows the form: the workflow refuses, the page says why.
    await second.get_by_label("Approve").check()
    await second.get_by_role("button", name="Send answer").click()
    refusal = await second.inner_text("[role=alert]")
    assert "task placement_review was already decided (approved by P-rm-1" in refusal
    await screenshot(second, "task-refused")

    # Amy moves on to first-line management.
    async def moved_on() -> bool:
        state = await PARTICIPANT_PROGRESS.load(pool, "P-amy")
        return (
            state is not None
            and state.phase is not None
            and state.phase.value == ("first_line_management")
        )

    await wait_for(moved_on, "Amy reaches first-line management")
    await page.goto(f"{url}/participants/P-amy")
    current = page.locator(".phase-list .phase-current")
    assert "First-line management experience (80/20)" in await current.inner_text()
    assert await page.locator("svg.timeline rect.seg-done").count() == 3
    await screenshot(page, "participant")

    phone = await new_page(browser, phone=True)
    await sign_in(phone, url, "P-rm-1")
    await phone.goto(f"{url}/participants/P-amy")
    await screenshot(phone, "participant-phone")


async def test_an_assessor_cannot_open_another_homes_participant(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    url = console.url
    page = await new_page(browser)
    await sign_in(page, url, "p-assessor-2@scls.test")
    await page.goto(f"{url}/participants/P-ben")  # her own home's participant
    assert "Ben Begin" in await page.inner_text("h1")
    # Someone she may not see gets the answer a participant who does not exist gets, so
    # ids cannot be told apart by probing (it was 403 against 404 before).
    refused = await page.goto(f"{url}/participants/P-amy")
    assert refused is not None and refused.status == 404
    hidden = await page.inner_text("main")
    assert "There is no participant P-amy that you may see" in hidden
    unknown = await page.goto(f"{url}/participants/P-nobody")
    assert unknown is not None and unknown.status == 404
    assert (await page.inner_text("main")).replace("P-nobody", "P-amy") == hidden
    task = await page.goto(f"{url}/tasks/P-amy/placement_review")
    assert task is not None and task.status == 404
    # A forged answer, with a valid form token, is refused before it reaches the workflow.
    token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = await page.request.post(
        f"{url}/tasks/P-amy/placement_review",
        form={"csrf_token": token or "", "outcome": "approve"},
        max_redirects=0,
    )
    assert forged.status == 404
    state = await participants["P-amy"].query(ParticipantWorkflow.state)
    assert state.tasks["placement_review"].is_open
    # Nor can they report a concern about her by posting the form themselves.
    concern = await page.request.post(
        f"{url}/participants/P-amy/concerns",
        form={
            "csrf_token": token or "",
            "kind": "safeguarding",
            "severity": "high",
            "reason": "forged",
        },
        max_redirects=0,
    )
    assert concern.status == 404
    state = await participants["P-amy"].query(ParticipantWorkflow.state)
    assert not state.suspended  # (her fast timetable may open cases of its own)
    raised = await pool.fetchval(
        "SELECT count(*) FROM events WHERE stream = 'participant-P-amy' "
        "AND data->>'raised_by' = 'P-assessor-2'"
    )
    assert raised == 0
    # And without the form token nothing is taken at all.
    no_token = await page.request.post(
        f"{url}/tasks/P-ben/pre_start_checks", form={"outcome": "approve"}, max_redirects=0
    )
    assert no_token.status == 403


async def test_ops_see_the_dashboard_with_the_read_models_counts(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    for handle in participants.values():  # hold the counts still
        await handle.terminate("counted")
    url = console.url
    page = await new_page(browser)
    await sign_in(page, url, "P-ops-1")

    # Overdue is counted at the instant the page is drawn, and the fast timetable's due
    # dates keep passing: the page's count lies between `scls cohort status`'s before and
    # after it.
    async def status_now() -> CohortStatus:
        return cohort_status(
            COHORT,
            await cohort_state(pool, COHORT),
            await participant_states(pool, COHORT),
            datetime.now(UTC),
        )

    before = await status_now()
    await page.goto(f"{url}/cohorts")
    status = await status_now()
    assert await page.inner_text("#total-participants") == "2"
    assert await page.inner_text("#total-open") == str(status.open_tasks)
    shown_overdue = int(await page.inner_text("#total-overdue"))
    assert len(before.overdue) <= shown_overdue <= len(status.overdue)
    # The chart has a row for every phase, named as people say it, with the count of
    # `scls cohort status` in it.
    chart = page.locator("table.phase-chart tbody tr")
    shown = {}
    for n in range(await chart.count()):
        phase_row = chart.nth(n)
        shown[await phase_row.locator("th").inner_text()] = await phase_row.locator(
            ".count"
        ).inner_text()
    assert shown == {phase.label: str(status.per_phase.get(phase, 0)) for phase in Phase}
    row = page.locator("tr.cohort")
    assert await row.count() == 1 and COHORT in await row.inner_text()
    await screenshot(page, "dashboard")
    await row.get_by_role("link", name=COHORT).click()
    assert await page.locator("tr.participant").count() == 2
    await page.get_by_role("link", name="Amy Achieve").click()
    await page.wait_for_url(f"{url}/participants/P-amy")

    # A Registered Manager is not shown the dashboard, and the server refuses it too.
    rm = await new_page(browser)
    await sign_in(rm, url, "P-rm-1")
    assert await rm.get_by_role("link", name="Cohorts").count() == 0
    response = await rm.goto(f"{url}/cohorts")
    assert response is not None and response.status == 403


async def test_a_registered_manager_reports_a_concern_and_ops_see_the_case_open(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    # Amy's fast timetable opens cases of its own (reviews missed): hold it still, so
    # the counts below stand.
    await participants["P-amy"].terminate("not in this story")
    url = console.url
    page = await new_page(browser)
    await sign_in(page, url, "P-rm-2")
    await page.goto(f"{url}/participants/P-ben")
    assert await page.locator("tr.case").count() == 0
    await page.get_by_label("Kind of concern").select_option("safeguarding")
    await page.get_by_label("What happened").fill("Left a resident alone in the bath")
    await page.get_by_role("button", name="Report the concern").click()
    await page.wait_for_url(f"{url}/participants/P-ben#interventions")
    assert await page.inner_text(".flash") == (
        "Concern recorded: intervention 1 is open (safeguarding); RAG red. "
        "Suspended from unsupervised care until the case closes."
    )
    case = page.locator("tr.case")
    assert await case.count() == 1
    assert "1 open" in await case.inner_text()
    assert "safeguarding" in await case.inner_text()
    assert "high" in await case.inner_text()  # safeguarding is always high
    assert await page.inner_text("dl.facts .rag") == "RED"
    assert "Suspended" in await page.inner_text("dl.facts")
    # In the timeline, in the summary's words, with his manager's name and the reason.
    events = await page.inner_text("ol.events")
    assert (
        "Concern 1 (safeguarding, high) raised by Ravi Manager in case 1: "
        "Left a resident alone in the bath"
    ) in events
    assert "Suspended from unsupervised care (case 1)" in events

    # The case file's stage, once its workflow has it on record.
    async def on_file() -> bool:
        stage = await pool.fetchval(
            "SELECT stage FROM intervention_case WHERE case_key = 'P-ben-1'"
        )
        return stage == "awaiting_decision"

    await wait_for(on_file, "the case file of Ben's intervention 1 is on record")
    await page.reload()
    assert "awaiting decision — Dev Lead decides" in await page.inner_text("tr.case")
    await screenshot(page, "participant-concern")

    ops = await new_page(browser)
    await sign_in(ops, url, "P-ops-1")
    await ops.goto(f"{url}/cohorts")
    open_cases = await pool.fetchval(
        "SELECT count(*) FROM intervention_case WHERE stage <> 'closed'"
    )
    assert await ops.inner_text("#total-interventions") == str(open_cases)
    assert await ops.inner_text("tr.cohort td.interventions") == str(open_cases)
    bens = ops.locator("tr.open-case", has_text="Ben Begin")
    assert await bens.count() == 1
    assert "awaiting decision" in await bens.inner_text()
    await screenshot(ops, "dashboard-interventions")
    await ops.get_by_role("link", name=COHORT).click()
    ben = ops.locator("tr.participant", has_text="Ben Begin")
    assert "Intervention 1 open" in await ben.inner_text()
    assert "Suspended" in await ben.inner_text()
    await ops.goto(f"{url}/cohorts")
    await bens.get_by_role("link", name="Ben Begin").click()
    await ops.wait_for_url(f"{url}/participants/P-ben#interventions")


async def test_a_time_sheet_before_the_management_phases_is_refused_in_words(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser
) -> None:
    url = console.url
    page = await new_page(browser)
    await sign_in(page, url, "P-rm-2")
    await page.goto(f"{url}/participants/P-ben")
    assert "No target in this phase" in await page.inner_text("#management")
    await page.get_by_label("Hours in front-line care").fill("30")
    await page.get_by_label("Hours in management and learning").fill("7.5")
    async with page.expect_response(f"{url}/participants/P-ben/timesheets") as sent:
        await page.get_by_role("button", name="Record the hours").click()
    assert (await sent.value).status == 409
    refusal = await page.inner_text("#timesheet [role=alert]")
    assert (
        "participant P-ben is in enrolment, which has no management time target; time "
        "sheets are kept in the 80/20 and 60/40 phases"
    ) in refusal
    # What was typed is still there to correct, and nothing was recorded.
    assert await page.get_by_label("Hours in front-line care").input_value() == "30"
    state = await participants["P-ben"].query(ParticipantWorkflow.state)
    assert state.timesheets == {}
    await screenshot(page, "timesheet-refused")
