"""The append activity: workflows record their domain events in Postgres through it.

Retries are safe: the event store treats the same events at the same versions as a no-op.
A conflict (another event at a version this batch expected) cannot be fixed by retrying,
so it fails the activity for good and the workflow sees it. Each append is counted and
timed (activities/metrics.py).
"""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import APPEND_SECONDS, APPENDS, count_recorded, stream_kind
from contracts.event_log import APPEND_EVENTS, AppendRequest, AppendResult
from store.events import StreamConflict, append
from store.projections import Projections

STREAM_CONFLICT = "StreamConflict"


class EventStoreActivities:
    def __init__(self, pool: asyncpg.Pool, projections: Projections) -> None:
        self._pool = pool
        self._projections = projections

    @activity.defn(name=APPEND_EVENTS)
    async def append_events(self, request: AppendRequest) -> AppendResult:
        kind = stream_kind(request.stream)
        try:
            with APPEND_SECONDS.labels(stream_kind=kind).time():
                result = await append(
                    self._pool,
                    self._projections,
                    request.stream,
                    request.expected_version,
                    request.events,
                )
        except StreamConflict as conflict:
            APPENDS.labels(stream_kind=kind, outcome="conflict").inc()
            raise ApplicationError(
                str(conflict), type=STREAM_CONFLICT, non_retryable=True
            ) from conflict
        if result.appended:
            count_recorded(request.events)
        outcome = "appended" if result.appended else "already_recorded"
        APPENDS.labels(stream_kind=kind, outcome=outcome).inc()
        return result
