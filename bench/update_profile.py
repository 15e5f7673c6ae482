"""Where an Update's time goes on the server, step by step, from the workflows' histories.

For every Update in a history, from the workflow task that took it to the Update's
completion: each step between two consecutive events, timed by the server's event
times. A step that occurs twice in one Update (the two workflow tasks of an Update that
awaits an activity) counts as their sum. The medians over many Updates show which round
trips an answer waits for (the decide Update: the workflow task that accepts it, the
append's activity task handed out, run and reported, and the workflow task that
completes it), and the same steps of the floor's Update show what bare Temporal takes
for each; their slowest show where a slow answer's time went.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle

_SHORT_PREFIX = "EVENT_TYPE_"
_ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
_COMPLETED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED


def _name(event: HistoryEvent) -> str:
    return EventType.Name(event.event_type).removeprefix(_SHORT_PREFIX).lower()


def _seconds(event: HistoryEvent) -> float:
    return event.event_time.seconds + event.event_time.nanos / 1e9


def update_steps(events: Sequence[HistoryEvent]) -> list[list[tuple[str, float]]]:
    """For each completed Update, in the order accepted: (step, seconds) from the
    workflow task that accepted it to its completion. Updates taken one at a time."""
    types = [event.event_type for event in events]
    updates = []
    for accepted, kind in enumerate(types):
        if kind != _ACCEPTED:
            continue
        try:
            completed = types.index(_COMPLETED, accepted)
        except ValueError:
            break
        first = accepted
        while first > 0 and types[first] != EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            first -= 1
        window = events[first : completed + 1]
        updates.append(
            [
                (f"{_name(before)} -> {_name(after)}", _seconds(after) - _seconds(before))
                for before, after in itertools.pairwise(window)
            ]
        )
    return updates


async def step_times(handles: Sequence[WorkflowHandle[Any, Any]]) -> dict[str, list[float]]:
    """Seconds of each step, one value per Update of the workflows that took the step, in
    the order the steps first occur; `total` is each Update's first event to its end."""
    steps: dict[str, list[float]] = defaultdict(list)
    totals: list[float] = []
    for handle in handles:
        history = await handle.fetch_history()
        for timed in update_steps(history.events):
            summed: dict[str, float] = defaultdict(float)
            for step, seconds in timed:
                summed[step] += seconds
            for step, seconds in summed.items():
                steps[step].append(seconds)
            totals.append(sum(seconds for _, seconds in timed))
    if totals:
        steps["total"] = totals
    return dict(steps)
