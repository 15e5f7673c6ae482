"""The notification activity against real Postgres and a real SMTP server (the sink):
what the mail says, and that retries and concurrent attempts send it once."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import asyncpg
import pytest
import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import UNKNOWN_RECIPIENT, NotificationActivities
from activities.outbox import MAIL_NOT_SENT, MAIL_REJECTED, Delivery
from contracts.heartbeat import HEARTBEAT_EVERY, HEARTBEAT_TIMEOUT
from contracts.notifications import NotificationKind, NotificationRequest
from mail.smtp import message_id
from scls.settings import load_settings
from scls.stack.ports import free_port
from scls.stack.smtp_sink import SmtpSink

pytestmark = pytest.mark.postgres

DUE = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)


def reminder(key: str = "0b6f0e9c-2d55-4c1e-9a43-7d1b2f1e0c01") -> NotificationRequest:
    return NotificationRequest(
        idempotency_key=key,
        kind=NotificationKind.TASK_REMINDER,
        recipient="mgr-1",
        participant_id="par-1",
        task_id="task-7",
        task_title="Summer Institute sign-off",
        due_at=DUE,
        reminder_number=2,
        workflow_id="participant-par-1",
    )


async def outbox_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM outbox ORDER BY created_at")


async def test_reminder_is_delivered_with_its_recipient_and_subject(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    request = reminder()
    with structlog.testing.capture_logs() as logs:
        result = await ActivityEnvironment().run(notifications.send_notification, request)

    assert result.outcome is Delivery.SENT
    assert result.idempotency_key == request.idempotency_key
    [mail] = sink.messages()
    assert mail["To"] == "ann.manager@example.org"
    assert mail["From"] == "scls@scls.test"
    assert mail["Subject"] == (
        "Reminder 2: Summer Institute sign-off for Pat Participant is waiting for you"
    )
    assert mail["Message-ID"] == message_id(request.idempotency_key, "scls@scls.test")
    assert mail["Message-ID"] == f"<scls.{request.idempotency_key}@scls.test>"
    assert mail["Delivered-To"] == "ann.manager@example.org"
    body = mail.get_content()
    assert body.startswith("Dear Ann Manager,")
    assert "is due on Monday 3 March 2025" in body
    assert "This is reminder number 2." in body

    [row] = await outbox_rows(pool)
    assert row["sent_at"] is not None
    assert row["attempts"] == 1
    assert row["recipient"] == "mgr-1"
    assert row["workflow_id"] == "participant-par-1"
    # Log lines carry ids, never names or addresses.
    assert logs, "the send is logged"
    for line in logs:
        text = repr(line)
        assert "example.org" not in text
        assert "Ann Manager" not in text
        assert "Pat Participant" not in text


async def test_escalation_says_it_is_escalated_and_who_it_waits_on(
    notifications: NotificationActivities, sink: SmtpSink
) -> None:
    request = NotificationRequest(
        idempotency_key="esc-1",
        kind=NotificationKind.TASK_ESCALATED,
        recipient="mgr-1",
        participant_id="par-1",
        task_title="Outplacement report",
        due_at=DUE,
        escalation_level=1,
        assignee="asr-1",
    )
    await ActivityEnvironment().run(notifications.send_notification, request)

    [mail] = sink.messages()
    assert mail["Subject"] == (
        "Escalated to you: Outplacement report for Pat Participant is overdue"
    )
    body = mail.get_content()
    assert "has been escalated to you (escalation level 1)" in body
    assert "It is waiting on Bob Assessor." in body


# The alumni check-in and its reminder go to the alumnus themselves: greeted by name, never
# named in the subject line.
TO_THE_PERSON_THEMSELVES = (NotificationKind.CHECK_IN, NotificationKind.CHECK_IN_REMINDER)


@pytest.mark.parametrize("kind", [k for k in NotificationKind if k not in TO_THE_PERSON_THEMSELVES])
async def test_every_kind_renders_and_sends(
    kind: NotificationKind, notifications: NotificationActivities, sink: SmtpSink
) -> None:
    request = NotificationRequest(
        idempotency_key=f"key-{kind.value}",
        kind=kind,
        recipient="mgr-1",
        participant_id="par-1",
        assignee="asr-1",
    )
    await ActivityEnvironment().run(notifications.send_notification, request)
    [mail] = sink.messages()
    assert "Pat Participant" in mail["Subject"]
    assert "Pat Participant" in mail.get_content()


@pytest.mark.parametrize("kind", TO_THE_PERSON_THEMSELVES)
async def test_check_in_mails_greet_the_alumnus_and_keep_the_name_out_of_the_subject(
    kind: NotificationKind, notifications: NotificationActivities, sink: SmtpSink
) -> None:
    request = NotificationRequest(
        idempotency_key=f"key-{kind.value}",
        kind=kind,
        recipient="par-1",
        participant_id="par-1",
        check_in=1,
    )
    await ActivityEnvironment().run(notifications.send_notification, request)
    [mail] = sink.messages()
    assert "pat.participant@example.org" in mail["To"]
    assert "Pat Participant" not in mail["Subject"]
    assert mail.get_content().startswith("Dear Pat Participant,")


async def test_a_retried_send_sends_nothing_more(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    request = reminder()
    first = await ActivityEnvironment().run(notifications.send_notification, request)
    again = await ActivityEnvironment().run(notifications.send_notification, request)

    assert first.outcome is Delivery.SENT
    assert again.outcome is Delivery.ALREADY_SENT
    assert len(sink.messages()) == 1
    [row] = await outbox_rows(pool)
    assert row["sent_at"] is not None
    assert row["attempts"] == 1


async def test_smtp_failure_is_recorded_and_a_later_retry_sends_once(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    request = reminder()
    await asyncio.to_thread(sink.stop)

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(notifications.send_notification, request)
    assert raised.value.type == MAIL_NOT_SENT
    assert not raised.value.non_retryable
    assert "example.org" not in str(raised.value)  # Temporal's history gets no address
    [row] = await outbox_rows(pool)
    assert row["sent_at"] is None
    assert row["attempts"] == 1
    assert row["last_error"]

    await asyncio.to_thread(sink.start)
    result = await ActivityEnvironment().run(notifications.send_notification, request)
    assert result.outcome is Delivery.SENT
    again = await ActivityEnvironment().run(notifications.send_notification, request)
    assert again.outcome is Delivery.ALREADY_SENT

    assert len(sink.messages()) == 1
    [row] = await outbox_rows(pool)
    assert row["sent_at"] is not None
    assert row["attempts"] == 2
    assert row["last_error"] is None


async def test_unknown_recipient_is_not_retried_and_names_the_person(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    request = reminder().model_copy(update={"recipient": "nobody-9"})

    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(notifications.send_notification, request)
    assert raised.value.type == UNKNOWN_RECIPIENT
    assert raised.value.non_retryable
    assert "nobody-9" in str(raised.value)
    assert await outbox_rows(pool) == []
    assert sink.messages() == []


async def test_participant_missing_from_the_directory_is_named_by_id(
    notifications: NotificationActivities, sink: SmtpSink
) -> None:
    request = reminder().model_copy(update={"participant_id": "par-unknown"})
    await ActivityEnvironment().run(notifications.send_notification, request)
    [mail] = sink.messages()
    assert "for par-unknown" in mail["Subject"]


async def test_concurrent_sends_of_one_request_send_one_mail(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    request = reminder()
    results = await asyncio.gather(
        *(ActivityEnvironment().run(notifications.send_notification, request) for _ in range(5))
    )

    outcomes = sorted(result.outcome for result in results)
    assert outcomes == [Delivery.ALREADY_SENT] * 4 + [Delivery.SENT]
    assert len(sink.messages()) == 1
    [row] = await outbox_rows(pool)
    assert row["attempts"] == 1


async def test_different_requests_each_send(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    await asyncio.gather(
        *(
            ActivityEnvironment().run(notifications.send_notification, reminder(f"key-{n}"))
            for n in range(3)
        )
    )
    assert len(sink.messages()) == 3
    assert len(await outbox_rows(pool)) == 3


async def test_names_outside_ascii_arrive_intact(
    notifications: NotificationActivities, sink: SmtpSink, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "UPDATE people SET display_name = 'Zoë Ó Súilleabháin' WHERE person_id = 'par-1'"
    )
    await ActivityEnvironment().run(notifications.send_notification, reminder())
    [mail] = sink.messages()
    assert "for Zoë Ó Súilleabháin is waiting" in mail["Subject"]
    assert "for Zoë Ó Súilleabháin is waiting" in mail.get_content()


class _SlowFarEnd:
    """An SMTP server that takes its time over each mail, as a busy one does."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[bytes] = []
        # Set once a mail is being received: the sender is in the middle of its send.
        self.receiving = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.receiving.set()
        await asyncio.sleep(self.delay)
        self.received.append(envelope.original_content or b"")
        return "250 OK"


async def test_a_retry_during_a_slow_send_waits_for_it_and_sends_nothing(
    pool: asyncpg.Pool, people: None
) -> None:
    far_end = _SlowFarEnd(delay=1.0)
    controller = Controller(far_end, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    try:
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=controller.port)
        notifications = NotificationActivities(pool, settings.smtp)
        first = asyncio.create_task(
            ActivityEnvironment().run(notifications.send_notification, reminder())
        )
        # The first attempt is in the middle of its send (waited for, not guessed: on a
        # busy machine 0.3 s was not always enough for it to get there).
        assert await asyncio.to_thread(far_end.receiving.wait, 30)
        retry = await ActivityEnvironment().run(notifications.send_notification, reminder())
        # The retry waited for the first attempt's lock, so the slow send had ended when it
        # returned. (Not first.done(): the first attempt may still be logging, a tick behind.)
        assert far_end.received, "the retry returned before the first attempt's send ended"
        assert (await first).outcome is Delivery.SENT
        assert retry.outcome is Delivery.ALREADY_SENT
        assert len(far_end.received) == 1
    finally:
        await asyncio.to_thread(controller.stop)


async def test_a_slow_send_heartbeats_so_a_dead_workers_mail_is_retried_soon(
    pool: asyncpg.Pool, people: None
) -> None:
    """Temporal retries the mail of a worker that died once its heartbeats stop, within
    HEARTBEAT_TIMEOUT, not after the minute of the start-to-close timeout."""
    far_end = _SlowFarEnd(delay=HEARTBEAT_EVERY.total_seconds() * 2.5)
    controller = Controller(far_end, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    try:
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=controller.port)
        notifications = NotificationActivities(pool, settings.smtp)
        beats: list[float] = []
        env = ActivityEnvironment()
        env.on_heartbeat = lambda *_: beats.append(time.monotonic())
        began = time.monotonic()
        result = await env.run(notifications.send_notification, reminder())
    finally:
        await asyncio.to_thread(controller.stop)
    assert result.outcome is Delivery.SENT
    assert len(beats) >= 3, beats
    gaps = [later - earlier for earlier, later in zip([began, *beats], beats, strict=False)]
    assert max(gaps) < HEARTBEAT_TIMEOUT.total_seconds(), gaps


class _RefusingFarEnd:
    """A mail server that refuses every recipient with the reply it was given."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.refused = 0

    async def handle_RCPT(
        self, server: object, session: object, envelope: Envelope, address: str, options: object
    ) -> str:
        self.refused += 1
        return self.reply


@pytest.mark.parametrize(
    ("reply", "given_up"),
    [
        ("550 5.1.1 <ann.manager@example.org>: no such mailbox", True),
        ("450 4.2.1 mailbox busy, try again later", False),
    ],
)
async def test_an_address_refused_for_good_is_not_retried_and_a_busy_one_is(
    pool: asyncpg.Pool, people: None, reply: str, given_up: bool
) -> None:
    far_end = _RefusingFarEnd(reply)
    controller = Controller(far_end, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    try:
        settings = load_settings(smtp_host="127.0.0.1", smtp_port=controller.port)
        notifications = NotificationActivities(pool, settings.smtp)
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(notifications.send_notification, reminder())
    finally:
        await asyncio.to_thread(controller.stop)

    assert far_end.refused == 1
    assert raised.value.non_retryable is given_up
    assert raised.value.type == (MAIL_REJECTED if given_up else MAIL_NOT_SENT)
    assert "example.org" not in str(raised.value)  # Temporal's history gets no address
    assert f"SMTP {reply[:3]}" in str(raised.value)
    [row] = await outbox_rows(pool)
    assert row["sent_at"] is None and row["attempts"] == 1
    assert reply.split(" ", 1)[1] in row["last_error"]  # the server's words, kept
