"""The production worker's metrics and probes, scraped over HTTP after a real scenario.

`run_worker` (what `scls worker` runs) against the dev server and Postgres, with its HTTP
port and the SDK's Prometheus endpoint set: participants enrol, one task is overdue,
another participant's timetable runs fast enough to escalate its overdue pre-start
checks, a concern opens an intervention (the Development Lead is mailed), and an append
meets a conflict. Then /metrics says so, /healthz and /readyz answer, and the SDK's own
endpoint serves Temporal's metrics.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.event_store import EventStoreActivities
from contracts.event_log import AppendRequest, NewEvent
from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.participant.commands import RaiseConcern
from domain.roles import Role
from scls.settings import Settings, load_settings
from scls.stack.ports import free_port
from scls.stack.smtp_sink import SmtpSink
from store.read_models import PROJECTIONS
from tests.payload_keys import TEST_KEYS_TEXT
from tests.workflows.programme_driver import REHEARSAL_TIME_SCALE, cohort_definition, eventually
from worker import run_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def worker_settings(
    dev_env: WorkflowEnvironment, database_url: str, sink: SmtpSink
) -> AsyncIterator[Settings]:
    """`run_worker` as in production, on its own task queue, until the test ends."""
    settings = load_settings(
        temporal_address=dev_env.client.service_client.config.target_host,
        temporal_task_queue=f"metrics-{uuid.uuid4().hex[:8]}",
        database_url=database_url,
        smtp_host=sink.host,
        smtp_port=sink.port,
        worker_http_port=free_port(),
        temporal_metrics_address=f"127.0.0.1:{free_port()}",
        payload_keys=TEST_KEYS_TEXT,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(run_worker(settings, stop=stop, database_url=database_url))

    async def listening() -> bool:
        async with httpx.AsyncClient() as http:
            try:
                await http.get(f"http://127.0.0.1:{settings.worker_http_port}/healthz")
            except httpx.ConnectError:
                return running.done()  # stop waiting if the worker failed to start
            return True

    try:
        await eventually(listening, bool)
        if running.done():
            running.result()
        yield settings
    finally:
        stop.set()
        async with asyncio.timeout(60):
            await running


async def scrape(http: httpx.AsyncClient, url: str) -> Samples:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    return parse(response.text)


async def test_the_metrics_say_what_the_scenario_did(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, worker_settings: Settings
) -> None:
    client = dev_env.client
    worker_url = f"http://127.0.0.1:{worker_settings.worker_http_port}"
    slow = cohort_definition(2, start=datetime.now(UTC) + timedelta(weeks=4))
    fast = cohort_definition(
        2,
        start=datetime.now(UTC) + timedelta(seconds=1),
        time_scale=REHEARSAL_TIME_SCALE,
    )
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [
            ("dl-0", "Dana Lead", "dl-0@scls.test", [Role.DEVELOPMENT_LEAD.value]),
            ("ops-1", "Olu Ops", "ops-1@scls.test", [Role.OPS.value]),
        ],
    )
    async with httpx.AsyncClient(timeout=10) as http:
        before = await scrape(http, f"{worker_url}/metrics")

        def grown(samples: Samples, name: str, **labels: str) -> float:
            return value(samples, name, **labels) - value(before, name, **labels)

        handles: list[WorkflowHandle] = [
            await client.start_workflow(
                ParticipantWorkflow.run,
                ParticipantRun(enrolment=enrolment),
                id=participant_workflow_id(enrolment.participant_id),
                task_queue=worker_settings.temporal_task_queue,
            )
            for definition in (slow, fast)
            for enrolment in enrolments(definition)
        ]
        try:
            await eventually(
                lambda: pool.fetchval("SELECT count(*) FROM task_inbox"), lambda n: n == 4
            )
            try:
                await handles[0].execute_update(
                    ParticipantWorkflow.raise_concern,
                    RaiseConcern(by="rm-00", reason="not settling in"),
                )
            except WorkflowUpdateFailedError as failed:
                # Once in a full run it failed without saying why: say what the workflow said.
                pytest.fail(f"the concern was refused: {failed.cause!r}")
            # (After the concern: each append rebuilds the participant's inbox rows.)
            late = slow.participants[1].participant_id
            await pool.execute(
                "UPDATE task_inbox SET due_at = now() - interval '1 day' WHERE participant_id = $1",
                late,
            )
            # The same append twice is no conflict; another batch at a taken version is.
            append = EventStoreActivities(pool, PROJECTIONS).append_events
            taken = AppendRequest(
                stream=participant_workflow_id(late),
                expected_version=0,
                events=[
                    NewEvent(
                        event_id=uuid.uuid4(), type="Nothing", data={}, metadata={"actor": "t"}
                    )
                ],
            )
            with pytest.raises(ApplicationError, match="cannot append after version 0"):
                await ActivityEnvironment().run(append, taken)

            # Counters are the process's, and earlier tests in it may have moved them:
            # wait for this scenario's own growth.
            after = await eventually(
                lambda: scrape(http, f"{worker_url}/metrics"),
                lambda s: (
                    grown(s, "scls_escalations_total", task_kind="pre_start_checks") >= 1
                    and grown(s, "scls_mail_total", kind="intervention_opened", outcome="sent") >= 1
                ),
            )
            sdk = (
                await http.get(f"http://{worker_settings.temporal_metrics_address}/metrics")
            ).text
            health = await http.get(f"{worker_url}/healthz")
            ready = await http.get(f"{worker_url}/readyz")
        finally:
            for handle in handles:
                await handle.terminate("test over")

    def grew(name: str, **labels: str) -> float:
        return grown(after, name, **labels)

    # Tasks are counted at scrape time from the inbox: four pre-start checks open, the
    # one made late and the fast participants' overdue (the concern's review is open too).
    assert value(after, "scls_tasks_open", kind="pre_start_checks") == 4
    assert value(after, "scls_tasks_overdue", kind="pre_start_checks") == 3
    assert value(after, "scls_tasks_open", kind="intervention_review") == 1
    assert value(after, "scls_tasks_overdue", kind="intervention_review") == 0
    assert grew("scls_interventions_opened_total", trigger="placement_concern") == 1
    assert grew("scls_escalations_total", task_kind="pre_start_checks") >= 1
    assert grew("scls_mail_total", kind="intervention_opened", outcome="sent") == 1
    assert grew("scls_appends_total", stream_kind="participant", outcome="appended") >= 4
    assert grew("scls_appends_total", stream_kind="intervention", outcome="appended") >= 1
    assert grew("scls_appends_total", stream_kind="participant", outcome="conflict") == 1
    assert grew("scls_append_seconds_count", stream_kind="participant") >= 5
    # The SDK's own endpoint, beside the application's.
    assert "temporal_workflow_task_execution_latency" in sdk or "temporal_request" in sdk, sdk[:500]
    assert health.status_code == 200
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "ready": True,
        "checks": {"temporal": "ok", "postgres": "ok", "migrations": "ok"},
    }
