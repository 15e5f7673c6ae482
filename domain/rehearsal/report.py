"""What a rehearsal shows, from the participants' states at its end: the cohort report's
measures (so its counts are those of `scls report cohort`), tasks by kind with overdue,
escalated and sent-back counts, the most loaded people week by week, interventions and
their outcomes, mails sent, and the weeks where the timetable is tight.

Weeks are programme weeks from the cohort's start date (week 0 is its first; enrolment's
weeks are negative), so a rehearsal at any time scale reads as the programme would.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.cohort.report import SuccessMeasures, success_measures
from domain.participant.state import ParticipantState
from domain.programme.tasks import Outcome, Task

TOP_PEOPLE = 3  # the most loaded people shown for each week
# A week is tight when at least this many times the average of tasks fall due in it.
TIGHT_FACTOR = 2.0


class TaskKindCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    tasks: int
    overdue: int  # answered after they were due, or still open past it
    escalated: int
    sent_back: int


class PersonLoad(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: str
    open_tasks: int  # open at some time in the week


class WeekLoad(BaseModel):
    model_config = ConfigDict(frozen=True)

    week: int
    people: tuple[PersonLoad, ...]  # the most loaded first


class InterventionLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    number: int
    kind: str
    opened_week: int
    outcome: str | None  # None while undecided
    closed_week: int | None


class TightWeek(BaseModel):
    model_config = ConfigDict(frozen=True)

    week: int
    tasks_due: int


class RehearsalReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    seed: int
    time_scale: float
    weeks: int  # from the start date to the last event on record
    measures: SuccessMeasures
    tasks: tuple[TaskKindCount, ...]
    load: tuple[WeekLoad, ...]
    interventions: tuple[InterventionLine, ...]
    mails: dict[str, int]  # by what asked for them
    refused_answers: int  # tried by someone the rules refuse, and refused
    tight_weeks: tuple[TightWeek, ...]
    # How long after the instant planned answers were recorded, in programme days: the
    # live stack's own lag. Large, and the time scale is more than the machine keeps up
    # with (tasks fall overdue because of it, not the timetable).
    answer_lag_days_median: float | None
    answer_lag_days_max: float | None


class _Clock:
    """Instants on the cohort's clock as programme weeks from the start date."""

    def __init__(self, start: datetime, time_scale: float) -> None:
        self.start, self.time_scale = start, time_scale

    def week(self, instant: datetime) -> int:
        return math.floor((instant - self.start) * self.time_scale / timedelta(weeks=1))


def rehearsal_report(
    cohort_id: str,
    states: Sequence[ParticipantState],
    *,
    start: datetime,
    time_scale: float,
    seed: int,
    mails: Mapping[str, int],
    refused_answers: int,
    planned: Mapping[tuple[str, str], datetime],
) -> RehearsalReport:
    """`planned`: when each answered task (participant, task id) was to be answered."""
    clock = _Clock(start, time_scale)
    end = max((s.as_of for s in states if s.as_of is not None), default=start)
    tasks = [task for state in states for task in state.tasks.values()]
    return RehearsalReport(
        cohort_id=cohort_id,
        seed=seed,
        time_scale=time_scale,
        weeks=clock.week(end) + 1,
        measures=success_measures(cohort_id, states, end),
        tasks=_by_kind(tasks, end),
        load=_load(tasks, clock, end),
        interventions=tuple(
            InterventionLine(
                participant_id=state.participant_id,
                number=case.number,
                kind=case.kind.value,
                opened_week=clock.week(case.opened_at),
                outcome=case.outcome.kind if case.outcome else None,
                closed_week=clock.week(case.closed_at) if case.closed_at else None,
            )
            for state in states
            for case in sorted(state.interventions.values(), key=lambda c: c.number)
        ),
        mails=dict(sorted(mails.items())),
        refused_answers=refused_answers,
        tight_weeks=_tight(tasks, clock),
        **_lag(states, planned, time_scale),
    )


def _lag(
    states: Sequence[ParticipantState],
    planned: Mapping[tuple[str, str], datetime],
    time_scale: float,
) -> dict[str, float | None]:
    lags = sorted(
        (decided - planned[state.participant_id, task.task_id]) * time_scale / timedelta(days=1)
        for state in states
        for task in state.tasks.values()
        if (decided := _closed_at(task)) is not None
        and (state.participant_id, task.task_id) in planned
    )
    return {
        "answer_lag_days_median": round(statistics.median(lags), 1) if lags else None,
        "answer_lag_days_max": round(lags[-1], 1) if lags else None,
    }


def _closed_at(task: Task) -> datetime | None:
    return task.decision.decided_at if task.decision is not None else None


def _by_kind(tasks: Sequence[Task], end: datetime) -> tuple[TaskKindCount, ...]:
    kinds = sorted({task.kind.value for task in tasks})
    counts = []
    for kind in kinds:
        of_kind = [task for task in tasks if task.kind.value == kind]
        counts.append(
            TaskKindCount(
                kind=kind,
                tasks=len(of_kind),
                overdue=sum(1 for task in of_kind if _overdue(task, end)),
                escalated=sum(1 for task in of_kind if task.escalation_level > 0),
                sent_back=sum(
                    1
                    for task in of_kind
                    if task.decision is not None and task.decision.outcome is Outcome.SEND_BACK
                ),
            )
        )
    return tuple(counts)


def _overdue(task: Task, end: datetime) -> bool:
    closed = _closed_at(task)
    if closed is not None:
        return closed > task.due_at
    return task.is_open and task.due_at < end


def _load(tasks: Sequence[Task], clock: _Clock, end: datetime) -> tuple[WeekLoad, ...]:
    per_week: dict[int, Counter[str]] = defaultdict(Counter)
    for task in tasks:
        closed = _closed_at(task) or (end if task.is_open else task.opened_at)
        for week in range(clock.week(task.opened_at), clock.week(closed) + 1):
            per_week[week][task.assignee] += 1
    return tuple(
        WeekLoad(
            week=week,
            people=tuple(
                PersonLoad(person=person, open_tasks=count)
                for person, count in sorted(
                    per_week[week].items(), key=lambda item: (-item[1], item[0])
                )[:TOP_PEOPLE]
            ),
        )
        for week in sorted(per_week)
    )


def _tight(tasks: Sequence[Task], clock: _Clock) -> tuple[TightWeek, ...]:
    due = Counter(clock.week(task.due_at) for task in tasks)
    if not due:
        return ()
    average = sum(due.values()) / len(due)
    return tuple(
        TightWeek(week=week, tasks_due=count)
        for week, count in sorted(due.items(), key=lambda item: (-item[1], item[0]))
        if count >= TIGHT_FACTOR * average
    )
