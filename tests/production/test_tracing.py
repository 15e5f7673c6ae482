"""Tracing on (SCLS_OTLP_ENDPOINT set): a manager's answer in the console can be followed
from the console's request span through the Update into the participant workflow, where
it is validated and handled and its append runs. Temporal's TracingInterceptor keeps a
workflow's spans in the workflow's own trace and joins each message handler to its
caller's trace by a span link. Spans are caught by an in-memory exporter in place of the
OTLP one."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.cohort.decide import enrolments
from domain.ids import participant_workflow_id
from domain.people import Directory, Person
from domain.roles import Role
from scls.settings import load_settings
from scls.temporal import connect
from scls.web.app import create_app
from scls.web.services import WebServices
from store.directory import load_directory
from store.web_accounts import set_password
from tests.payload_keys import TEST_KEYS_TEXT
from tests.workflows.programme_driver import cohort_definition, eventually
from worker import build_worker
from workflows.participant import ParticipantRun, ParticipantWorkflow

pytestmark = pytest.mark.postgres

PASSWORD = "correct horse battery"


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def test_a_console_request_and_the_workflow_it_updates_share_one_trace(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)  # what start_tracing does, with an OTLP exporter
    settings = load_settings(
        temporal_address=dev_env.client.service_client.config.target_host,
        otlp_endpoint="http://127.0.0.1:4318",
        payload_keys=TEST_KEYS_TEXT,
    )
    client = await connect(settings)
    task_queue = f"tracing-{uuid.uuid4().hex[:8]}"
    definition = cohort_definition(2, start=datetime.now(UTC) + timedelta(weeks=4))
    participant = definition.participants[0].participant_id
    await load_directory(
        pool,
        Directory(
            people=(
                Person(
                    person_id="ops-1",
                    display_name="Olu Ops",
                    email="ops-1@scls.test",
                    roles=frozenset({Role.OPS}),
                ),
            )
        ),
    )
    await set_password(pool, "ops-1", PASSWORD)

    async def temporal() -> Client:
        return client

    console = create_app(WebServices(pool=pool, settings=settings, connect=temporal), "s" * 40)
    async with build_worker(client, pool, task_queue, settings):
        handle = await client.start_workflow(
            ParticipantWorkflow.run,
            ParticipantRun(enrolment=enrolments(definition)[0]),
            id=participant_workflow_id(participant),
            task_queue=task_queue,
        )
        try:
            await eventually(
                lambda: handle.query(ParticipantWorkflow.state),
                lambda state: "pre_start_checks" in state.tasks,
            )
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=console), base_url="http://console"
            ) as http:
                signed_in = await http.post(
                    "/sign-in",
                    data={
                        "login": "ops-1",
                        "password": PASSWORD,
                        "csrf_token": form_token((await http.get("/sign-in")).text),
                    },
                )
                assert signed_in.status_code == 303
                page = await http.get(f"/tasks/{participant}/pre_start_checks")
                spans.clear()
                answered = await http.post(
                    f"/tasks/{participant}/pre_start_checks",
                    data={"outcome": "approve", "csrf_token": form_token(page.text)},
                )
                assert answered.status_code == 303, answered.text
        finally:
            await handle.terminate("test over")

    finished = spans.get_finished_spans()

    def named(name: str) -> ReadableSpan:
        [span] = [s for s in finished if s.name == name]
        return span

    def trace_of(span: ReadableSpan) -> set[str]:
        return {s.name for s in finished if s.context.trace_id == span.context.trace_id}

    # The console's request and the Update it sends are one trace...
    request = named("POST /tasks/{participant_id}/{task_id}")
    assert "StartWorkflowUpdate:decide" in trace_of(request)
    # ...joined to the participant workflow's trace, where the Update is validated and
    # handled and its append runs, by a link to the request's trace.
    handled = named("HandleUpdate:decide")
    assert {
        "ValidateUpdate:decide",
        "StartActivity:append_events",
        "RunActivity:append_events",
    } <= (trace_of(handled))
    assert request.context.trace_id in {link.context.trace_id for link in handled.links}
    assert named("ValidateUpdate:decide").links[0].context.trace_id == request.context.trace_id
