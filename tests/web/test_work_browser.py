"""The work behind the sign-offs in Chromium, against 2026.1 participants' workflows on the
dev server. Amy, run fast: on a phone she adds evidence with a file for a standard and
hands it in, and her assessor (at a desk) reads it, downloads the file and approves it;
a file past the store's limit is refused with nothing stored. Later she writes her first
outplacement report, her mentor sends it back, she corrects it and it is approved; a
progress review signed by the lead alone raises a concern. Ben, in real time: his first
progress review is filled in by the Development Lead and signed by him, his Registered
Manager and the lead (a second signature from another tab refused), and closes.
Screenshots of the evidence, report and review pages on phone and desktop go to
artifacts/screenshots/."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import DraftReview, Enrol, SignReview
from domain.participant.state import ParticipantState
from domain.programme.phases import Phase
from domain.programme.tasks import Task, TaskKind
from scls.settings import Settings, load_settings
from scls.stack.smtp_sink import SmtpSink
from store.participant_progress import PARTICIPANT_PROGRESS
from tests.web.conftest import Console, new_page, screenshot, sign_in
from tests.web.test_console_browser import support, wait_for
from tests.workflows.programme_driver import answer_until, state_of
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

FAST = 1_500_000.0  # the programme's two years in about forty seconds
LIMIT = 64 * 1024  # the document store's size limit in this test
WORKBOOK = b"%PDF-1.7\n% Amy's Care Certificate workbook, standard 2\n" + b"0" * 2000


@pytest.fixture
def web_settings(tmp_path: Path, sink: SmtpSink) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_sender="scls@scls.test",
        documents_max_bytes=LIMIT,
    )


def _before_the_placement(task: Task) -> bool:
    return task.kind in (TaskKind.PRE_START_CHECKS, TaskKind.INSTITUTE_COMPLETION)


@pytest.fixture
async def participants(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, console: Console
) -> AsyncIterator[dict[str, WorkflowHandle]]:
    """Amy run fast, into her care placement; Ben in real time, his first progress review
    opening in a few seconds (his programme started twelve weeks ago)."""
    task_queue = f"web-work-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with build_worker(dev_env.client, pool, task_queue, console.settings):
        handles = {}
        for pid, home, scale, start in (
            ("P-amy", 1, FAST, now + timedelta(seconds=2)),
            ("P-ben", 2, 1.0, now - timedelta(weeks=12) + timedelta(seconds=15)),
        ):
            enrolment = Enrol(
                participant_id=pid,
                cohort_id="C-web-work",
                programme_version="2026.1",
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
            await answer_until(
                handles["P-amy"], lambda s: s.phase == Phase.CARE_PLACEMENT, _before_the_placement
            )
            yield handles
        finally:
            for handle in handles.values():
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")


async def test_amy_hands_in_evidence_and_her_assessor_approves_it(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, tmp_path: Path
) -> None:
    url = console.url
    phone = await new_page(browser, phone=True)
    await sign_in(phone, url, "p-amy@scls.test", lands_on="/my-programme")
    await phone.get_by_role("link", name="My work").click()
    await phone.wait_for_url(f"{url}/participants/P-amy/evidence")
    assert await phone.locator("tr.standard").count() == 16
    await phone.get_by_role("link", name="2. Your personal development").click()

    # A file past the limit: refused in words, nothing stored, nothing recorded.
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF" + b"x" * (LIMIT + 1000))
    await phone.get_by_label("What it shows").fill("My scanned workbook")
    await phone.get_by_label("Files").set_input_files(str(big))
    async with phone.expect_response(f"{url}/participants/P-amy/evidence/2") as sent:
        await phone.get_by_role("button", name="Add evidence").click()
    assert (await sent.value).status == 422
    refusal = await phone.inner_text("[role=alert]")
    assert "scan.pdf is 65 KB: files may be at most 64 KB" in refusal, refusal
    assert await phone.get_by_label("What it shows").input_value() == "My scanned workbook"
    documents = console.settings.data_dir / "documents"
    assert not documents.exists() or not any(p.is_file() for p in documents.rglob("*"))
    state = await state_of(participants["P-amy"])
    assert "care_certificate.2" not in state.work

    # The workbook itself, and an observation; then hand them in.
    workbook = tmp_path / "workbook.pdf"
    workbook.write_bytes(WORKBOOK)
    await phone.get_by_label("What it shows").fill("Workbook: my learning plan and reflections")
    await phone.get_by_label("Files").set_input_files(str(workbook))
    await phone.get_by_role("button", name="Add evidence").click()
    await phone.wait_for_url(f"{url}/participants/P-amy/evidence/2")
    assert "Evidence 1 added to standard 2" in await phone.inner_text(".flash")
    await phone.get_by_label("Observation record").check()
    await phone.get_by_label("What it shows").fill("Observed by Rita agreeing my supervision goals")
    await phone.get_by_role("button", name="Add evidence").click()
    await phone.get_by_role("button", name="Hand in for sign-off").click()
    assert "Standard 2 handed in (version 1)" in await phone.inner_text(".flash")
    assert await phone.inner_text(".evidence-status") == "With the assessor"
    await screenshot(phone, "evidence-phone")

    # The assessor, at a desk, sees the evidence on her task and approves it.
    desk = await new_page(browser)
    await sign_in(desk, url, "p-assessor-1@scls.test")
    await desk.get_by_role(
        "link", name="Care Certificate standard 2: Your personal development"
    ).click()
    await desk.wait_for_url(f"{url}/tasks/P-amy/care_certificate.2")
    work = await desk.inner_text("section.work")
    assert "Workbook: my learning plan and reflections" in work
    assert "Observed by Rita agreeing my supervision goals" in work
    async with desk.expect_download() as downloading:
        await desk.get_by_role("link", name="workbook.pdf").click()
    download = await downloading.value
    assert await asyncio.to_thread(Path(await download.path()).read_bytes) == WORKBOOK
    await screenshot(desk, "evidence-task-desktop")
    await desk.get_by_label("Approve").check()
    await desk.get_by_role("button", name="Send answer").click()
    assert "approved" in await desk.inner_text(".flash")
    await desk.goto(f"{url}/participants/P-amy/evidence/2")
    assert await desk.inner_text(".evidence-status") == "Signed off"
    await screenshot(desk, "evidence-desktop")

    # Someone who may not see Amy gets neither her evidence nor its file: both answer as
    # if Amy did not exist.
    other = await new_page(browser)
    await sign_in(other, url, "p-assessor-2@scls.test")
    refused = await other.goto(f"{url}/participants/P-amy/evidence/2")
    assert refused is not None and refused.status == 404
    state = await state_of(participants["P-amy"])
    sha = state.work["care_certificate.2"].items[0].documents[0].sha256
    refused = await other.goto(f"{url}/participants/P-amy/documents/{sha}")
    assert refused is not None and refused.status == 404


async def _sign(page: Page, url: str, who: str) -> None:
    await sign_in(page, url, who)
    await page.goto(f"{url}/participants/P-ben/reviews/1")
    await page.get_by_role("button", name="Sign the review").click()
    await page.wait_for_url(f"{url}/participants/P-ben/reviews/1")


async def test_bens_review_is_filled_in_and_signed_by_all_three(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser, pool: asyncpg.Pool
) -> None:
    url = console.url
    ben = participants["P-ben"]
    await wait_for(
        lambda: _has(ben, lambda s: "progress_review.1" in s.tasks), "Ben's review 1 opens"
    )
    lead = await new_page(browser)
    await sign_in(lead, url, "p-devlead-1@scls.test")
    await lead.goto(f"{url}/tasks/P-ben/progress_review.1")
    # Not an approve button: the form, on its own page.
    assert await lead.get_by_role("button", name="Send answer").count() == 0
    await lead.get_by_role("link", name="Open the review page").click()
    await lead.wait_for_url(f"{url}/participants/P-ben/reviews/1")
    await lead.get_by_label("Progress since the last review").fill(
        "Settled into Elm Lodge; standard 2 signed off."
    )
    await lead.get_by_label("Action 1").fill("Shadow the night shift lead")
    await lead.get_by_label("Owner").first.select_option("P-ben")
    await lead.get_by_label("By", exact=True).first.fill("2099-03-01")
    await lead.get_by_label("Wellbeing").fill("Tired after nights, otherwise well.")
    await lead.get_by_role("button", name="Save the form").click()
    assert "filled in: it waits for three signatures" in await lead.inner_text(".flash")
    await screenshot(lead, "review-desktop")

    phone = await new_page(browser, phone=True)
    await sign_in(phone, url, "p-ben@scls.test", lands_on="/my-programme")
    await phone.goto(f"{url}/participants/P-ben/reviews/1")
    assert "Shadow the night shift lead" in await phone.inner_text("table.actions")
    # The same page in a second tab, to sign twice.
    second = await phone.context.new_page()
    await second.goto(f"{url}/participants/P-ben/reviews/1")
    await phone.get_by_role("button", name="Sign the review").click()
    assert "You signed progress review 1." in await phone.inner_text(".flash")
    await screenshot(phone, "review-phone")
    async with second.expect_response(f"{url}/participants/P-ben/reviews/1/sign") as sent:
        await second.get_by_role("button", name="Sign the review").click()
    assert (await sent.value).status == 409
    assert "P-ben signed progress review 1 (version 1) already" in await second.inner_text(
        "[role=alert]"
    )

    await _sign(await new_page(browser), url, "p-rm-2@scls.test")
    await lead.get_by_role("button", name="Sign the review").click()
    assert "All three have signed: the review is closed." in await lead.inner_text(".flash")
    assert await lead.inner_text(".review-status") == "Signed by all three"
    signatures = await lead.inner_text("ul.signatures")
    for line in (
        "Participant: signed by Ben Begin",
        "Employer: signed by Ravi Manager",
        "Development lead: signed by Dev Lead",
    ):
        assert line in signatures

    # The review is closed on record, and his next one is on his timetable.
    async def closed() -> bool:
        state = await PARTICIPANT_PROGRESS.load(pool, "P-ben")
        return state is not None and not state.tasks["progress_review.1"].is_open

    await wait_for(closed, "review 1 closed in the read model")
    state = await state_of(ben)
    assert state.tasks["progress_review.1"].status.value == "approved"
    assert state.next_progress_review_number == 2
    assert [a.number for a in state.open_actions(2)] == ["1.1"]


async def _has(handle: WorkflowHandle, check) -> bool:  # type: ignore[no-untyped-def]
    state: ParticipantState = await state_of(handle)
    return bool(check(state))


async def test_amys_report_is_sent_back_corrected_and_approved(
    participants: dict[str, WorkflowHandle], console: Console, browser: Browser
) -> None:
    url = console.url
    amy = participants["P-amy"]

    def through_the_placement(task: Task) -> bool:
        return task.kind in (
            TaskKind.PRE_START_CHECKS,
            TaskKind.INSTITUTE_COMPLETION,
            TaskKind.CARE_CERTIFICATE_STANDARD,
            TaskKind.PLACEMENT_REVIEW,
        )

    await answer_until(
        amy, lambda s: "outplacement_report.1.work" in s.tasks, through_the_placement, 150
    )

    phone = await new_page(browser, phone=True)
    await sign_in(phone, url, "p-amy@scls.test", lands_on="/my-programme")
    # Due from her on My programme: the report to write.
    await phone.get_by_role("link", name="Write your report on outplacement 1").click()
    await phone.get_by_role("link", name="Open the report page").click()
    await phone.wait_for_url(f"{url}/participants/P-amy/reports/1")
    await phone.get_by_label("Report", exact=True).fill(
        "I spent four weeks in a learning disability service."
    )
    await phone.get_by_role("button", name="Hand in the report").click()
    assert "Mo Mentor reviews it" in await phone.inner_text(".flash")

    mentor = await new_page(browser)
    await sign_in(mentor, url, "p-mentor-1@scls.test")
    await mentor.goto(f"{url}/tasks/P-amy/outplacement_report.1")
    assert "learning disability service" in await mentor.inner_text("section.work")
    await mentor.get_by_label("Send back").check()
    await mentor.get_by_label("Comment").fill("Say what you will change at Oak House.")
    await mentor.get_by_role("button", name="Send answer").click()
    assert "sent back" in await mentor.inner_text(".flash")

    await phone.goto(f"{url}/participants/P-amy/reports/1")
    assert "Say what you will change at Oak House." in await phone.inner_text("[role=status]")
    text = phone.get_by_label("Report", exact=True)
    await text.fill(await text.input_value() + "\nAt Oak House I will change our handovers.")
    await phone.get_by_role("button", name="Hand in the report").click()
    assert "version 2" in await phone.inner_text(".flash")
    await screenshot(phone, "report-phone")

    await mentor.goto(f"{url}/tasks/P-amy/outplacement_report.1~2")
    assert "change our handovers" in await mentor.inner_text("section.work")
    await mentor.get_by_label("Approve").check()
    await mentor.get_by_role("button", name="Send answer").click()
    await mentor.goto(f"{url}/participants/P-amy/reports/1")
    assert await mentor.locator("ol.rounds li.round").count() == 2
    assert "Approved by Mo Mentor" in await mentor.inner_text("ol.rounds")
    await screenshot(mentor, "report-desktop")
    state = await state_of(amy)
    assert state.approval_of("outplacement_report.1") is not None

    # Her next progress review, signed by the lead alone, raises a concern.
    number = state.next_progress_review_number
    await answer_until(amy, lambda s: f"progress_review.{number}" in s.tasks)
    await amy.execute_update(
        ParticipantWorkflow.draft_review,
        DraftReview(by="P-devlead-1", review=number, progress="Fast", wellbeing="Well"),
    )
    await amy.execute_update(
        ParticipantWorkflow.sign_review, SignReview(by="P-devlead-1", review=number)
    )
    await answer_until(
        amy, lambda s: f"progress_review_missed:progress_review.{number}" in s.triggers_fired
    )
    await mentor.goto(f"{url}/participants/P-amy")
    assert (
        f"progress review {number} not signed by all three two weeks after it was due: "
        "waiting for the participant and the employer"
    ) in await mentor.inner_text("ol.events")
