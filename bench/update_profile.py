"""Where an Update's time goes on the server, step by step, from the workflows' histories.

For each workflow, the history from the workflow task that took its first Update to the
Update's completion: every step between two consecutive events, timed by the server's
event times. The medians over many workflows show which round trips an answer waits for
(the decide Update: the workflow task that accepts it, the append's activity task handed
out, run and reported, and the workflow task that completes it).
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle

_SHORT_PREFIX = "EVENT_TYPE_"


def _name(event: HistoryEvent) -> str:
    return EventType.Name(event.event_type).removeprefix(_SHORT_PREFIX).lower()


def _seconds(event: HistoryEvent) -> float:
    return event.event_time.seconds + event.event_time.nanos / 1e9


def update_steps(events: Sequence[HistoryEvent]) -> list[tuple[str, float]]:
    """(step, seconds) from the workflow task that accepted the first Update to its
    completion; empty when the history holds no completed Update."""
    types = [event.event_type for event in events]
    try:
        accepted = types.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
        completed = types.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
    except ValueError:
        return []
    first = accepted
    while first > 0 and types[first] != EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        first -= 1
    window = events[first : completed + 1]
    return [
        (f"{_name(before)} -> {_name(after)}", _seconds(after) - _seconds(before))
        for before, after in itertools.pairwise(window)
    ]


async def profile(handles: Sequence[WorkflowHandle[Any, Any]]) -> dict[str, float]:
    """Median milliseconds of each step, over the workflows' first Updates, in the order
    the steps first occur; `total` is the first event to the completion."""
    steps: dict[str, list[float]] = defaultdict(list)
    totals: list[float] = []
    for handle in handles:
        history = await handle.fetch_history()
        timed = update_steps(history.events)
        if not timed:
            continue
        seen: dict[str, float] = defaultdict(float)
        for step, seconds in timed:
            seen[step] += seconds
        for step, seconds in seen.items():
            steps[step].append(seconds)
        totals.append(sum(seconds for _, seconds in timed))
    medians = {step: statistics.median(values) * 1000 for step, values in steps.items()}
    if totals:
        medians["total"] = statistics.median(totals) * 1000
    return medians
