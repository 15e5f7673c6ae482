"""A home flagged to ops with the evidence: two participants at Oak House, their workflows
on the dev server just after their care placement, rate it poorly through the
`give_feedback` Update. After the first, nothing is flagged; after the second, their ops
lead gets one mail naming the home, both ratings with their scores, and the link to the
Success measures.

Each participant's programme up to the rating is decided by the domain in a moment and
appended to the event store, timed so that the rating tasks opened an hour ago in real
time, and the workflow started from that state as a continue-as-new would."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.ids import participant_workflow_id
from domain.participant.commands import GiveFeedback
from domain.people import Directory, Home, Person, Provider
from domain.roles import Role
from scls.settings import load_settings
from scls.stack.smtp_sink import SmtpSink
from store.directory import load_directory
from tests.domain.domain_builders import SUPPORT
from tests.measures.placement_ratings import POOR, RATING, flag_checks_done, ready_to_rate
from tests.workflows.programme_driver import eventually
from worker import build_worker
from workflows.participant import ParticipantWorkflow

pytestmark = pytest.mark.postgres

OPS = SUPPORT.ops_lead
BASE = "http://console.test"


def _person(person_id: str, name: str, role: Role) -> Person:
    return Person(
        person_id=person_id,
        display_name=name,
        email=f"{person_id.lower()}@scls.test",
        roles=frozenset({role}),
    )


async def _mails_to(pool: asyncpg.Pool, person: str) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT subject, body FROM outbox WHERE recipient = $1 AND sent_at IS NOT NULL "
        "ORDER BY created_at",
        person,
    )
    return [(row["subject"], row["body"]) for row in rows]


async def test_the_second_poor_rating_flags_the_home_to_ops_with_the_evidence(
    dev_env: WorkflowEnvironment, pool: asyncpg.Pool, sink: SmtpSink
) -> None:
    await load_directory(
        pool,
        Directory(
            providers=(Provider(provider_id="PR-1", name="Riverside Care"),),
            homes=(
                Home(home_id="H-1", name="Oak House", cqc_location_id="1-100", provider_id="PR-1"),
            ),
            people=(
                _person(OPS, "Olu Ops", Role.OPS),
                _person("P-1", "Amy Achieve", Role.PARTICIPANT),
                _person("P-2", "Ben Begin", Role.PARTICIPANT),
            ),
        ),
    )
    runs = {pid: await ready_to_rate(pool, pid) for pid in ("P-1", "P-2")}
    settings = load_settings(
        smtp_host=sink.host, smtp_port=sink.port, smtp_sender="scls@scls.test", web_base_url=BASE
    )
    task_queue = f"flag-{uuid.uuid4().hex[:8]}"
    handles: list[WorkflowHandle] = []
    async with build_worker(dev_env.client, pool, task_queue, settings):
        try:
            for pid, run in runs.items():
                handles.append(
                    await dev_env.client.start_workflow(
                        ParticipantWorkflow.run,
                        run,
                        id=participant_workflow_id(pid),
                        task_queue=task_queue,
                    )
                )
            first, second = handles
            # Given Amy rates Oak House poorly: one participant's ratings flag nothing
            await first.execute_update(
                ParticipantWorkflow.give_feedback,
                GiveFeedback(by="P-1", task_id=RATING, scores=POOR, comment="Nights unsafe"),
            )
            await eventually(lambda: flag_checks_done(first), lambda done: done == 1)
            after_one = await _mails_to(pool, OPS)
            # When Ben rates it poorly too
            await second.execute_update(
                ParticipantWorkflow.give_feedback,
                GiveFeedback(by="P-2", task_id=RATING, scores=POOR, comment="No support"),
            )
            await eventually(lambda: flag_checks_done(second), lambda done: done == 1)
            after_two = await _mails_to(pool, OPS)
        finally:
            for handle in handles:
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")

    # Then ops are told once, with both ratings as the evidence
    assert after_one == []
    [(subject, body)] = after_two
    assert subject == "Placement quality: Oak House flagged (2 participants rated it poorly)"
    assert "Oak House is flagged: the placements of 2 participants there were" in body
    given_on = datetime.now(UTC).date()
    scores = "learning 2, support 1, leadership exposure 3, safety culture 2 (mean 2.0)"
    for name in ("Amy Achieve", "Ben Begin"):
        assert f"- {name} (C-north-2027), by the participant, on {given_on}:\n  {scores}" in body
    assert f"{BASE}/measures#flag-H-1" in body
    assert "Nights unsafe" not in body and "No support" not in body
