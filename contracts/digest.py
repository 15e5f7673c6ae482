"""What the weekly digest's workflow asks its activities: who gets a digest this week, and
one digest for one person. Ids and the week only; the activities read the directory and
the inbox, and mail through the outbox."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

DIGEST_RECIPIENTS = "digest_recipients"
SEND_DIGEST = "send_digest"


class DigestKind(StrEnum):
    TASKS = "task_digest"  # a person's open tasks, overdue first
    COHORTS = "cohort_digest"  # ops: every cohort's progress, tasks and interventions


class DigestRecipients(BaseModel):
    model_config = ConfigDict(frozen=True)

    with_tasks: tuple[str, ...]  # person ids with an open task of their own or delegated
    ops: tuple[str, ...]


class DigestRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: DigestKind
    person_id: str
    week: str  # ISO week, e.g. 2026-W49: with kind and person, the mail's idempotency key
    workflow_id: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"{self.kind.value}:{self.week}:{self.person_id}"
