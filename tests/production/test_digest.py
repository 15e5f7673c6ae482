"""The weekly digest on the dev server: `apply_schedules` creates its Schedule once and
updates it after; a run of the schedule mails each person with open tasks one digest
(overdue first, with links to the console) and ops one cohort summary; a second run of
the same week mails nobody. People who chose the digest only get no reminder mails."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.notifications import NotificationActivities
from activities.outbox import Delivery
from contracts.notifications import NotificationKind, NotificationRequest
from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.people import Directory, MailPreference, Person
from domain.roles import Role
from scls.schedules import (
    DIGEST_SCHEDULE_ID,
    RETENTION_SCHEDULE_ID,
    Applied,
    apply_schedules,
)
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink
from store.directory import load_directory
from tests.cli import run_cli_async, stack_env
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import build_worker
from workflows.digest import DigestSent
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

CONSOLE = "https://scls.example.org"


def person(person_id: str, role: Role, mail: MailPreference = MailPreference.EACH_EVENT) -> Person:
    return Person(
        person_id=person_id,
        display_name=f"Name of {person_id}",
        email=f"{person_id}@scls.test",
        roles=frozenset({role}),
        mail=mail,
    )


async def run_schedule_now(client: Client) -> DigestSent:
    """Start the schedule's action now, as at its weekly time, and wait for the run."""
    handle = client.get_schedule_handle(DIGEST_SCHEDULE_ID)
    runs_before = len((await handle.describe()).info.recent_actions)
    await handle.trigger()
    description = await eventually(
        handle.describe, lambda d: len(d.info.recent_actions) > runs_before
    )
    started = description.info.recent_actions[-1].action
    assert isinstance(started, ScheduleActionExecutionStartWorkflow)
    return await client.get_workflow_handle(
        started.workflow_id, run_id=started.first_execution_run_id, result_type=DigestSent
    ).result()


async def test_one_digest_per_person_and_week_however_often_the_schedule_runs(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, sink: SmtpSink
) -> None:
    client = dev_env.client
    task_queue = f"digest-{uuid.uuid4().hex[:8]}"
    # Two participants whose pre-start checks wait on ops-1: one overdue, one not.
    definition = cohort_definition(2, start=datetime.now(UTC) + timedelta(weeks=4))
    await load_directory(
        pool,
        Directory(
            people=(person("ops-1", Role.OPS), person("ops-2", Role.OPS, MailPreference.DIGEST))
        ),
    )
    settings = load_settings(
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_sender="scls@scls.test",
        web_base_url=CONSOLE,
        temporal_task_queue=task_queue,
    )
    async with build_worker(client, pool, task_queue, settings):
        handles = [
            await client.start_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment),
                id=participant_workflow_id(enrolment.participant_id),
                task_queue=task_queue,
            )
            for enrolment in enrolments(definition)
        ]
        await eventually(
            lambda: pool.fetchval("SELECT count(*) FROM task_inbox WHERE assignee = 'ops-1'"),
            lambda open_tasks: open_tasks == 2,
        )
        overdue_one, _ = (p.participant_id for p in definition.participants)
        await pool.execute(
            "UPDATE task_inbox SET due_at = now() - interval '3 days' WHERE participant_id = $1",
            overdue_one,
        )
        try:
            assert await apply_schedules(client, task_queue) == {
                DIGEST_SCHEDULE_ID: Applied.CREATED,
                RETENTION_SCHEDULE_ID: Applied.CREATED,
            }
            assert await apply_schedules(client, task_queue) == {
                DIGEST_SCHEDULE_ID: Applied.UPDATED,
                RETENTION_SCHEDULE_ID: Applied.UPDATED,
            }

            first = await run_schedule_now(client)
            again = await run_schedule_now(client)
        finally:
            for schedule_id in (DIGEST_SCHEDULE_ID, RETENTION_SCHEDULE_ID):
                await client.get_schedule_handle(schedule_id).delete()
            for handle in handles:
                await handle.terminate("test over")

    # ops-1 holds tasks and is in ops: a task digest and a cohort summary; ops-2 (no
    # tasks) the cohort summary only. The second run of the week sends nothing.
    assert (first.sent, first.not_sent) == (3, 0)
    assert (again.week, again.sent, again.not_sent) == (first.week, 0, 0)
    mails = sink.messages()
    assert sorted((m["To"], m["Subject"].split(" ")[0]) for m in mails) == [
        ("ops-1@scls.test", "Cohorts"),
        ("ops-1@scls.test", "Your"),
        ("ops-2@scls.test", "Cohorts"),
    ]
    [digest] = [m for m in mails if m["Subject"].startswith("Your tasks")]
    assert digest["Subject"] == f"Your tasks for week {first.week}: 1 overdue"
    body = digest.get_content()
    overdue_at, upcoming_at = (
        body.index(f"{CONSOLE}/tasks/{p.participant_id}/pre_start_checks")
        for p in definition.participants
    )
    assert overdue_at < upcoming_at, body
    assert body.count("OVERDUE ") == 1
    [summary] = [m for m in mails if m["To"] == "ops-2@scls.test"]
    assert f"{definition.cohort_id}: 2 participants" in summary.get_content()
    assert f"{CONSOLE}/cohorts/{definition.cohort_id}" in summary.get_content()


async def test_people_on_the_digest_only_get_no_reminder_mails_but_escalations_still_go(
    pool: asyncpg.Pool, sink: SmtpSink
) -> None:
    await load_directory(
        pool,
        Directory(
            people=(
                person("rm-1", Role.REGISTERED_MANAGER, MailPreference.DIGEST),
                person("ops-1", Role.OPS, MailPreference.DIGEST),
            )
        ),
    )
    settings = load_settings(smtp_host=sink.host, smtp_port=sink.port, smtp_sender="scls@scls.test")
    notifications = NotificationActivities(pool, settings.smtp)

    def asking(kind: NotificationKind, recipient: str) -> NotificationRequest:
        return NotificationRequest(
            idempotency_key=str(uuid.uuid4()),
            kind=kind,
            recipient=recipient,
            participant_id="P-1",
            task_title="Progress review",
            assignee="rm-1",
        )

    environment = ActivityEnvironment()
    reminder = await environment.run(
        notifications.send_notification, asking(NotificationKind.TASK_REMINDER, "rm-1")
    )
    escalation = await environment.run(
        notifications.send_notification, asking(NotificationKind.TASK_ESCALATED, "ops-1")
    )
    assert (reminder.outcome, escalation.outcome) == (Delivery.DIGEST_ONLY, Delivery.SENT)
    assert [m["To"] for m in sink.messages()] == ["ops-1@scls.test"]
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_scls_schedules_apply_creates_the_schedule_then_updates_it(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = stack_env(
        tmp_path,
        SCLS_TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        SCLS_TEMPORAL_TASK_QUEUE=f"digest-{uuid.uuid4().hex[:8]}",
    )
    try:
        first = await run_cli_async("schedules", "apply", env=env)
        again = await run_cli_async("schedules", "apply", env=env)
        described = await dev_env.client.get_schedule_handle(DIGEST_SCHEDULE_ID).describe()
    finally:
        for schedule_id in (DIGEST_SCHEDULE_ID, RETENTION_SCHEDULE_ID):
            await dev_env.client.get_schedule_handle(schedule_id).delete()
    both = f"{DIGEST_SCHEDULE_ID}: {{0}}\n{RETENTION_SCHEDULE_ID}: {{0}}\n"
    assert (first.returncode, first.stdout) == (0, both.format("created"))
    assert (again.returncode, again.stdout) == (0, both.format("updated"))
    [monday_morning] = described.schedule.spec.calendars
    assert (monday_morning.day_of_week[0].start, monday_morning.hour[0].start) == (1, 7)
    assert described.schedule.spec.time_zone_name == "Europe/London"


async def test_people_load_takes_each_persons_mail_choice_and_a_cohort_file_keeps_it(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    env = stack_env(tmp_path, SCLS_DATABASE_URL=database_url)
    people = [
        {
            "person_id": "rm-1",
            "display_name": "Rita",
            "email": "rita@scls.test",
            "roles": ["registered_manager"],
            "mail": "digest",
        },
        {"person_id": "ops-1", "display_name": "Olu", "email": "olu@scls.test", "roles": ["ops"]},
    ]
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people}))
    loaded = await run_cli_async("people", "load", str(path), env=env)
    assert loaded.returncode == 0, loaded.stderr
    listed = await run_cli_async("people", "list", "--json", env=env)
    assert {p["person_id"]: p["mail"] for p in json.loads(listed.stdout)} == {
        "rm-1": "digest",
        "ops-1": "each_event",
    }
    # A cohort file names people without a mail choice: theirs stays as they chose it.
    await load_directory(
        pool, Directory(people=(person("rm-1", Role.ASSESSOR),)), keep_other_roles=True
    )
    assert await pool.fetchval("SELECT mail FROM people WHERE person_id = 'rm-1'") == "digest"

    people[1]["mail"] = "weekly"
    path.write_text(json.dumps({"people": people}))
    refused = await run_cli_async("people", "load", str(path), env=env)
    assert refused.returncode == 2
    assert "people[1] (ops-1).mail: Input should be 'each_event' or 'digest'" in refused.stderr
