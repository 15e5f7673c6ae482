"""The weekly digest's activities: who gets a digest, and one digest mailed to one person.

A digest is composed from the read models when it is first written to the outbox, under
the key (kind, week, person): a retried activity, or the week's run started again, finds
it there and sends nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notifications import UNKNOWN_RECIPIENT
from activities.outbox import Delivery, Letter, Outbox
from contracts.digest import (
    DIGEST_RECIPIENTS,
    SEND_DIGEST,
    DigestKind,
    DigestRecipients,
    DigestRequest,
)
from domain.digest import in_digest_order
from domain.roles import Role
from mail.digest import CohortLine, DigestTask, cohort_digest, task_digest
from mail.smtp import SmtpSettings
from mail.templates import RenderedMail
from store import rules_in_sql as rule
from store.dashboard import cohort_counts
from store.inbox import open_tasks
from store.pool import Connection

# More than anyone should hold; a digest lists this many and links to the rest.
MOST_TASKS = 200


class DigestActivities:
    def __init__(self, pool: asyncpg.Pool, smtp: SmtpSettings, console_url: str) -> None:
        self._pool = pool
        self._outbox = Outbox(pool, smtp)
        self._console = console_url.rstrip("/")

    @activity.defn(name=DIGEST_RECIPIENTS)
    async def digest_recipients(self, week: str) -> DigestRecipients:
        """Everyone in the directory with an open task now, their own or delegated to
        them, and everyone in ops."""
        with_tasks = await self._pool.fetch(
            f"""
            SELECT person_id FROM people WHERE person_id IN (
                SELECT assignee FROM task_inbox
                UNION
                SELECT d.to_person FROM task_delegation d
                JOIN task_inbox i ON i.participant_id = d.participant_id
                                 AND i.assignee = d.from_person
                WHERE {rule.covers("d", "now()")}
            )
            ORDER BY person_id
            """
        )
        ops = await self._pool.fetch(
            "SELECT person_id FROM people WHERE $1 = ANY(roles) ORDER BY person_id",
            Role.OPS.value,
        )
        return DigestRecipients(
            with_tasks=tuple(row["person_id"] for row in with_tasks),
            ops=tuple(row["person_id"] for row in ops),
        )

    @activity.defn(name=SEND_DIGEST)
    async def send_digest(self, request: DigestRequest) -> Delivery:
        async def compose(connection: Connection) -> Letter | Delivery:
            person = await connection.fetchrow(
                "SELECT display_name, email FROM people WHERE person_id = $1",
                request.person_id,
            )
            if person is None:
                raise ApplicationError(
                    f"recipient {request.person_id!r} is not in the people directory",
                    type=UNKNOWN_RECIPIENT,
                    non_retryable=True,
                )
            if request.kind is DigestKind.TASKS:
                mail = await self._tasks(connection, request, person["display_name"])
            else:
                mail = await self._cohorts(connection, request, person["display_name"])
            if mail is None:
                return Delivery.NOTHING_OPEN
            return Letter(
                recipient=request.person_id,
                email=person["email"],
                subject=mail.subject,
                body=mail.body,
            )

        return await self._outbox.send(
            request.idempotency_key, request.kind.value, compose, workflow_id=request.workflow_id
        )

    async def _tasks(
        self, connection: Connection, request: DigestRequest, recipient: str
    ) -> RenderedMail | None:
        entries = await open_tasks(
            connection, assignee=request.person_id, limit=MOST_TASKS, now=datetime.now(UTC)
        )
        if not entries:
            return None
        tasks = [
            DigestTask(
                title=entry.title,
                participant=entry.participant_name,
                participant_id=entry.participant_id,
                task_id=entry.task_id,
                due_at=entry.due_at,
                overdue=entry.overdue,
                for_person=entry.assignee_name if entry.assignee != request.person_id else None,
            )
            for entry in in_digest_order(entries)
        ]
        return task_digest(
            recipient=recipient, week=request.week, tasks=tasks, console=self._console
        )

    async def _cohorts(
        self, connection: Connection, request: DigestRequest, recipient: str
    ) -> RenderedMail | None:
        counts = await cohort_counts(connection, datetime.now(UTC))
        if not counts:
            return None
        cohorts = [
            CohortLine(
                cohort_id=cohort.cohort_id,
                participants=cohort.headcount.participants,
                per_phase={phase.value: n for phase, n in cohort.headcount.per_phase.items()},
                per_rag={rag.value: n for rag, n in cohort.headcount.rag.items()},
                at_risk=cohort.headcount.at_risk,
                open_tasks=cohort.open_tasks,
                overdue_tasks=cohort.overdue_tasks,
                open_interventions=cohort.open_interventions,
            )
            for cohort in sorted(counts.values(), key=lambda c: c.cohort_id or "")
        ]
        return cohort_digest(
            recipient=recipient, week=request.week, cohorts=cohorts, console=self._console
        )
