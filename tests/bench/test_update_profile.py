"""The benchmark's account of where an Update's time goes on the server."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from bench.update_profile import update_steps


def _event(kind: str, millisecond: int) -> HistoryEvent:
    event = HistoryEvent(event_type=EventType.Value(f"EVENT_TYPE_{kind}"))
    event.event_time.FromMilliseconds(millisecond)
    return event


def test_the_steps_run_from_the_accepting_task_to_the_completion() -> None:
    history = [
        _event("WORKFLOW_EXECUTION_STARTED", 0),
        _event("WORKFLOW_TASK_SCHEDULED", 100),
        _event("WORKFLOW_TASK_STARTED", 103),
        _event("WORKFLOW_TASK_COMPLETED", 110),
        _event("WORKFLOW_EXECUTION_UPDATE_ACCEPTED", 110),
        _event("ACTIVITY_TASK_SCHEDULED", 110),
        _event("ACTIVITY_TASK_STARTED", 111),
        _event("ACTIVITY_TASK_COMPLETED", 120),
        _event("WORKFLOW_EXECUTION_UPDATE_COMPLETED", 131),
    ]

    [steps] = update_steps(history)

    name, seconds = steps[0]
    assert name == "workflow_task_scheduled -> workflow_task_started"
    assert round(seconds, 6) == 0.003
    assert [name for name, _ in steps][-1] == (
        "activity_task_completed -> workflow_execution_update_completed"
    )
    assert round(sum(seconds for _, seconds in steps), 6) == 0.031


def test_each_update_of_a_history_has_its_own_steps() -> None:
    history = [
        _event("WORKFLOW_EXECUTION_STARTED", 0),
        _event("WORKFLOW_TASK_SCHEDULED", 100),
        _event("WORKFLOW_TASK_STARTED", 102),
        _event("WORKFLOW_TASK_COMPLETED", 105),
        _event("WORKFLOW_EXECUTION_UPDATE_ACCEPTED", 105),
        _event("WORKFLOW_EXECUTION_UPDATE_COMPLETED", 105),
        _event("WORKFLOW_TASK_SCHEDULED", 200),
        _event("WORKFLOW_TASK_STARTED", 207),
        _event("WORKFLOW_TASK_COMPLETED", 215),
        _event("WORKFLOW_EXECUTION_UPDATE_ACCEPTED", 215),
        _event("WORKFLOW_EXECUTION_UPDATE_COMPLETED", 215),
    ]

    first, second = update_steps(history)

    assert round(sum(seconds for _, seconds in first), 6) == 0.005
    assert round(sum(seconds for _, seconds in second), 6) == 0.015
    name, seconds = second[0]
    assert name == "workflow_task_scheduled -> workflow_task_started"
    assert round(seconds, 6) == 0.007


def test_a_history_without_a_completed_update_has_no_steps() -> None:
    history = [_event("WORKFLOW_EXECUTION_STARTED", 0), _event("WORKFLOW_TASK_SCHEDULED", 5)]

    assert update_steps(history) == []
