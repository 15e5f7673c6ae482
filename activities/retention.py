"""The nightly retention run's activity: the policy applied in one transaction
(store/retention.py), files deleted from the document store it is given. Retries are
safe: a participant already forgotten is not due again."""

from __future__ import annotations

import asyncpg
import structlog
from temporalio import activity

from contracts.retention import APPLY_RETENTION, RetentionRequest
from domain.data_protection.events import RetentionApplied
from domain.data_protection.retention import RetentionPolicy
from store.erasure import DocumentStore, deleting_from
from store.projections import Projections
from store.retention import apply_retention_on

log = structlog.get_logger(__name__)


class RetentionActivities:
    def __init__(
        self,
        pool: asyncpg.Pool,
        projections: Projections,
        policy: RetentionPolicy,
        documents: DocumentStore,
    ) -> None:
        self._pool = pool
        self._projections = projections
        self._policy = policy
        self._delete = deleting_from(documents)

    @activity.defn(name=APPLY_RETENTION)
    async def apply_retention(self, request: RetentionRequest) -> RetentionApplied:
        async with self._pool.acquire() as connection:
            applied = await apply_retention_on(
                connection, self._projections, self._policy, request.now, self._delete
            )
        log.info(
            "retention applied",
            forgotten=len(applied.forgotten),
            mail_bodies_cleared=applied.mail_bodies_cleared,
            sign_ins_deleted=applied.sign_ins_deleted,
        )
        return applied
