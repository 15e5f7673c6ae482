"""The worker's own Prometheus metrics: what its activities did, counted where they do it.

Counted once per effect, not per attempt: an append that finds its events already
recorded (a retry) counts as `already_recorded`, a mail found sent as `already_sent`,
and escalations and interventions only when their events are first written. Labels carry
kinds and outcomes, never people or participants.
"""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Histogram

from contracts.event_log import NewEvent
from domain.ids import COHORT_PREFIX, INTERVENTION_PREFIX, PARTICIPANT_PREFIX
from domain.participant.events import InterventionOpened, TaskEscalated

APPENDS = Counter(
    "scls_appends",
    "Appends to the event store, by stream kind and outcome (appended, already_recorded, conflict)",
    ["stream_kind", "outcome"],
)
APPEND_SECONDS = Histogram(
    "scls_append_seconds",
    "Time to append a batch of events and update the read models",
    ["stream_kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
MAIL = Counter(
    "scls_mail",
    "Mail the engine asked for, by kind and outcome "
    "(sent, already_sent, failed, rejected; digest_only and nothing_open: none sent)",
    ["kind", "outcome"],
)
ESCALATIONS = Counter(
    "scls_escalations",
    "Overdue tasks escalated, by task kind",
    ["task_kind"],
)
INTERVENTIONS_OPENED = Counter(
    "scls_interventions_opened",
    "Intervention cases opened, by what opened them",
    ["trigger"],
)

_ESCALATED = TaskEscalated.model_fields["type"].default
_OPENED = InterventionOpened.model_fields["type"].default


def stream_kind(stream: str) -> str:
    """`participant`, `cohort` or `intervention`: the kind of stream, without its key."""
    for prefix in (PARTICIPANT_PREFIX, COHORT_PREFIX, INTERVENTION_PREFIX):
        if stream.startswith(prefix):
            return prefix.rstrip("-")
    return "other"


def count_recorded(events: Sequence[NewEvent]) -> None:
    """Count what newly recorded events say happened."""
    for event in events:
        if event.type == _ESCALATED:
            ESCALATIONS.labels(task_kind=event.data["kind"]).inc()
        elif event.type == _OPENED:
            INTERVENTIONS_OPENED.labels(trigger=event.data["kind"]).inc()
