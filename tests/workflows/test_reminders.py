"""An unanswered task is reminded, then escalated, at the policy's times: each an event and
one mail, even when the worker loses the send's completion and Temporal retries it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from contracts.notifications import SEND_NOTIFICATION
from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.programme.task_policy import escalation_at, escalation_steps, reminder_at
from scls.stack.smtp_sink import SmtpSink
from store.events import read_stream
from tests.mail_setup import mail_to
from tests.workflows.programme_driver import cohort_definition, sleep_until
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres


class LoseFirstCompletion(Interceptor):
    """Each send's first attempt does its work, then fails as a crashed worker would, so
    Temporal runs the activity again."""

    def __init__(self) -> None:
        self.lost = 0

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        outer = self

        class _Lose(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await self.next.execute_activity(input)
                info = activity.info()
                if info.activity_type == SEND_NOTIFICATION and info.attempt == 1:
                    outer.lost += 1
                    raise RuntimeError("worker lost the completion")
                return result

        return _Lose(next)


async def test_reminders_then_escalation_each_mailed_once(
    time_skipping_env: WorkflowEnvironment, pool: asyncpg.Pool, sink: SmtpSink
) -> None:
    env = time_skipping_env
    start = await env.get_current_time() + timedelta(weeks=4)
    enrolment = enrolments(cohort_definition(2, start=start))[0]
    support = enrolment.support
    people = {
        support.ops_lead: ("Olive Ops", "olive.ops@example.org"),
        support.development_lead: ("Dev Lead", "dev.lead@example.org"),
        enrolment.participant_id: ("Pat Participant", "pat@example.org"),
    }
    settings = await mail_to(pool, sink, people)
    faults = LoseFirstCompletion()
    workflow_id = participant_workflow_id(enrolment.participant_id)
    task_queue = f"reminders-{uuid.uuid4().hex[:8]}"

    async with build_worker(env.client, pool, task_queue, settings, [faults]):
        handle = await env.client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolment),
            id=workflow_id,
            task_queue=task_queue,
        )
        await env.sleep(timedelta(seconds=1))
        state = await handle.query(ParticipantWorkflow.state)
        task = state.tasks["pre_start_checks"]
        reminders = [at for n in range(1, 10) if (at := reminder_at(task, n, 1.0)) is not None]
        escalations = [
            found
            for level in range(1, len(escalation_steps(task)) + 1)
            if (found := escalation_at(task, level, 1.0)) is not None
        ]
        assert reminders and escalations
        # Nobody answers: sleep past the last escalation.
        last = max([*reminders, *(at for at, _ in escalations)])
        await sleep_until(env, last + timedelta(days=1))
        state = await handle.query(ParticipantWorkflow.state)

    stream = await read_stream(pool, workflow_id)
    reminded = [e.data for e in stream if e.type == "TaskReminderDue"]
    escalated = [e.data for e in stream if e.type == "TaskEscalated"]
    assert [r["at"] for r in reminded] == [
        at.isoformat().replace("+00:00", "Z") for at in reminders
    ]
    assert all(r["task_id"] == "pre_start_checks" for r in reminded)
    assert {r["to_person"] for r in reminded} == {support.ops_lead}
    assert [datetime.fromisoformat(e["at"]) for e in escalated] == [at for at, _ in escalations]
    assert [e["to_role"] for e in escalated] == [role.value for _, role in escalations]
    assert state.tasks["pre_start_checks"].escalation_level == len(escalations)

    # One mail per reminder and escalation, though every send ran twice.
    mails = sink.messages()
    assert faults.lost == len(reminded) + len(escalated)
    assert len(mails) == len(reminded) + len(escalated)
    recipients = sorted(mail["To"] for mail in mails)
    expected = sorted(
        [people[support.ops_lead][1]] * len(reminded)
        + [people[e["to_person"]][1] for e in escalated]
    )
    assert [r.split("<")[-1].rstrip(">") for r in recipients] == expected
    outbox = await pool.fetch("SELECT sent_at, attempts FROM outbox")
    assert len(outbox) == len(mails)
    assert all(row["sent_at"] is not None and row["attempts"] == 1 for row in outbox)
