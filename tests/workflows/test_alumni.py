"""After the programme: a participant driven to completion on the time-skipping server,
then the alumni workflow their completion starts asks where they are on leaving and at
6, 12 and 24 months by mail. The alumnus answers through the mailed one-click links (the
console's form, over HTTP, without signing in) except the 24-month one, which is reminded
and escalated to ops; the measures report counts them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.alumni.record import AlumniState
from domain.cohort.decide import enrolments
from domain.cqc import read_cqc_file
from domain.ids import alumni_workflow_id, participant_workflow_id
from domain.programme.alumni import CHECK_IN_POLICY, CHECK_INS, Destination
from domain.programme.phases import ParticipantStatus
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink
from scls.web.app import create_app
from scls.web.services import WebServices
from store.cqc import import_ratings
from store.measures import measures
from tests.time_skipping import TimeSkippingEnvironment
from tests.workflows.programme_driver import (
    Answer,
    cohort_definition,
    drive,
    eventually,
    sleep_until,
)
from worker import build_worker
from workflows.alumni import AlumniWorkflow
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

SECRET = "alumni-test-secret"
BASE = "http://console.test"
LINK = re.compile(re.escape(BASE) + r"/alumni/check-in/\S+")


async def _mails_to(pool: asyncpg.Pool, person: str) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT subject, body FROM outbox WHERE recipient = $1 AND sent_at IS NOT NULL "
        "ORDER BY created_at, idempotency_key",
        person,
    )
    return [(row["subject"], row["body"]) for row in rows]


async def _answer_by_link(console: httpx.AsyncClient, link: str, form: dict[str, str]) -> str:
    page = await console.get(link.removeprefix(BASE))
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    answered = await console.post(
        link.removeprefix(BASE), data={"csrf_token": csrf.group(1), **form}
    )
    return answered.text


async def test_alumni_answer_by_one_click_links_and_the_unanswered_one_is_chased(
    time_skipping_env: TimeSkippingEnvironment, pool: asyncpg.Pool, sink: SmtpSink
) -> None:
    env = time_skipping_env
    start = await env.get_current_time() + timedelta(weeks=2)
    enrolment = enrolments(cohort_definition(2, start=start))[0]
    person, ops = enrolment.participant_id, enrolment.support.ops_lead
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [
            (person, "Alex Alumnus", "alex@scls.test", ["participant"]),
            (ops, "Olive Ops", "olive@scls.test", ["ops"]),
        ],
    )
    settings = load_settings(
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_sender="scls@scls.test",
        web_secret=SECRET,
        web_base_url=BASE,
    )
    app = create_app(WebServices(pool=pool, settings=settings, connect=_client(env)), SECRET)
    task_queue = f"alumni-{uuid.uuid4().hex[:8]}"
    async with (
        build_worker(env.client, pool, task_queue, settings),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as console,
    ):
        await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=participant_workflow_id(person),
            task_queue=task_queue,
        )
        states = await drive(
            env, env.client, [participant_workflow_id(person)], how=Answer.BY_SIGNAL
        )
        assert states[participant_workflow_id(person)].status == ParticipantStatus.COMPLETED
        alumni = env.client.get_workflow_handle_for(AlumniWorkflow.run, alumni_workflow_id(person))
        record: AlumniState = await eventually(
            lambda: alumni.query(AlumniWorkflow.record), lambda r: 0 in r.check_ins
        )
        left_at = record.opened().left_at

        async def link_for(number: int) -> str:
            opens = left_at + CHECK_INS[number].after_leaving
            await sleep_until(env, opens + timedelta(hours=1))
            mails = await eventually(
                lambda: _mails_to(pool, person), lambda found: len(found) > len(seen)
            )
            subject, body = mails[-1]
            seen.append(subject)
            found = LINK.search(body)
            assert found is not None, body
            return found.group(0)

        seen: list[str] = []
        # On leaving, and at 6 and 12 months: answered through the links.
        done = await _answer_by_link(
            console, await link_for(0), {"destination": Destination.OTHER_MANAGEMENT.value}
        )
        assert "Thank you" in done
        now = await env.get_current_time()
        since = (now + timedelta(weeks=26) - timedelta(days=30)).date()
        rm_post = {
            "destination": Destination.REGISTERED_MANAGER.value,
            "service_location_id": "1-100",
            "in_post_since": since.isoformat(),
        }
        six_months = await link_for(1)
        assert "Thank you" in await _answer_by_link(console, six_months, rm_post)
        # The same link again: the check-in is answered, and the page says so.
        again = await _answer_by_link(console, six_months, rm_post)
        assert "check-in 1 was already answered" in again
        assert "Thank you" in await _answer_by_link(console, await link_for(2), rm_post)
        # At 24 months nobody answers: reminded twice, ops told, then closed.
        await link_for(3)
        await env.skip_until_closed(alumni)
        final = await alumni.result()
        closed_at = (await alumni.describe()).close_time
        last = left_at + CHECK_INS[3].after_leaving + CHECK_IN_POLICY.closes_after

    assert final.finished
    assert closed_at is not None and abs(closed_at - last) < timedelta(minutes=1)
    assert [c.answer is not None for c in final.check_ins.values()] == [True, True, True, False]
    assert final.check_ins[3].closed_unanswered and final.check_ins[3].escalated
    to_alumnus = [subject for subject, _ in await _mails_to(pool, person)]
    assert to_alumnus[-3:] == [
        "Where are you now? (24 months on): the Social Care Leaders Scheme asks its alumni",
        "Reminder: Where are you now? (24 months on)",
        "Reminder: Where are you now? (24 months on)",
    ]
    to_ops = await _mails_to(pool, ops)
    assert [subject for subject, _ in to_ops if "24 months" in subject] == [
        "No answer from Alex Alumnus: Where are you now? (24 months on)"
    ]

    # The measures: one recruited and completed, in an RM post at 12 months, not known at 24.
    before, after = (since - timedelta(days=400)), (since + timedelta(days=1))
    await import_ratings(
        pool,
        read_cqc_file(
            "Location ID,Location Name,Overall Rating,Safe,Effective,Caring,Responsive,"
            "Well-led,Publication Date\n"
            f"1-100,Oak House,Requires improvement,Good,Good,Good,Good,Inadequate,{before}\n"
            f"1-100,Oak House,Good,Good,Good,Good,Good,Good,{after}\n"
        ),
    )
    found = await measures(pool, enrolment.cohort_id)
    [cohort] = found.cohorts
    assert (cohort.recruited, cohort.completed, cohort.withdrawn) == (1, 1, 0)
    at_12, at_24 = cohort.follow_ups
    assert (at_12.asked, at_12.answered, at_12.in_rm_post, at_12.retained) == (1, 1, 1, 1)
    assert (at_24.asked, at_24.answered, at_24.in_rm_post, at_24.retained) == (1, 0, 0, 0)
    [service] = found.services
    assert service.before is not None and service.after is not None
    assert (service.before.overall, service.after.overall) == ("Requires improvement", "Good")


def _client(env: WorkflowEnvironment):  # type: ignore[no-untyped-def]
    async def connect():  # type: ignore[no-untyped-def]
        return env.client

    return connect
