"""What ops staff and funders ask of a cohort, worked out from its participants' states:
where everyone stands now (status), and the scheme's success measures (report).

Durations are in programme days: a cohort run at a time scale reports the time its
programme would have taken, so a rehearsal reads like the real thing.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.cohort.headcount import headcount
from domain.cohort.state import CohortState, ConferenceRecord
from domain.intervention.outcomes import InterventionCase
from domain.participant.state import ParticipantState
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Task
from domain.rag import RagStatus


class OverdueTask(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    task: Task


class OpenIntervention(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    case: InterventionCase


class CohortStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    hub: str | None
    start_date: datetime | None
    programme_version: str | None
    participants: int
    per_status: dict[str, int]  # active, on_break, completed, withdrawn, not_enrolled
    per_phase: dict[Phase, int]  # those still on the programme, in programme order
    rag: dict[RagStatus, int]  # those still on the programme
    suspended: int
    open_tasks: int
    overdue: tuple[OverdueTask, ...]  # the most overdue first
    interventions: tuple[OpenIntervention, ...]  # open cases, the oldest first
    next_conference: ConferenceRecord | None


def cohort_status(
    cohort_id: str,
    cohort: CohortState | None,
    participants: Sequence[ParticipantState],
    now: datetime,
) -> CohortStatus:
    counted = headcount((p.standing, 1) for p in participants)
    cases = sorted(
        (
            OpenIntervention(participant_id=p.participant_id, case=case)
            for p in participants
            for case in p.open_interventions
        ),
        key=lambda o: (o.case.opened_at, o.participant_id),
    )
    open_tasks = [(p.participant_id, t) for p in participants for t in p.open_tasks]
    overdue = sorted(
        (OverdueTask(participant_id=pid, task=t) for pid, t in open_tasks if t.is_overdue(now)),
        key=lambda o: (o.task.due_at, o.participant_id, o.task.task_id),
    )
    upcoming = cohort.coming_conferences(now) if cohort else ()
    opening = cohort.opening if cohort else None
    return CohortStatus(
        cohort_id=cohort_id,
        hub=opening.hub if opening else None,
        start_date=opening.start_date if opening else None,
        programme_version=opening.programme_version if opening else None,
        participants=counted.participants,
        per_status=counted.per_status,
        per_phase=counted.per_phase,
        rag=counted.rag,
        suspended=sum(1 for p in participants if p.suspended and p.standing.on_programme),
        open_tasks=len(open_tasks),
        overdue=tuple(overdue),
        interventions=tuple(cases),
        next_conference=upcoming[0] if upcoming else None,
    )


class PhaseTime(BaseModel):
    """Programme days spent in one phase: by those who completed it, and so far by those
    still in it."""

    model_config = ConfigDict(frozen=True)

    phase: Phase
    completed: int
    median_days: float | None
    longest_days: float | None
    in_phase: int
    in_phase_median_days: float | None


class SuccessMeasures(BaseModel):
    """The Programme Manual's quantitative measures that the engine knows of."""

    model_config = ConfigDict(frozen=True)

    cohort_id: str
    recruited: int
    progressing: int  # still on the programme: active or on a break in learning
    completed: int
    withdrawn: int
    destinations: dict[str, int]  # where those who left went
    phase_times: tuple[PhaseTime, ...]


def _days(duration: timedelta, time_scale: float) -> float:
    return round(duration.total_seconds() * time_scale / 86_400, 1)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def success_measures(
    cohort_id: str, participants: Sequence[ParticipantState], now: datetime
) -> SuccessMeasures:
    done: dict[Phase, list[float]] = {phase: [] for phase in Phase}
    ongoing: dict[Phase, list[float]] = {phase: [] for phase in Phase}
    for state in participants:
        for record in state.phase_history:
            if record.completed_at is not None:
                spent = record.completed_at - record.started_at
                done[record.phase].append(_days(spent, state.time_scale))
            elif not state.has_left:
                spent = max(now - record.started_at, timedelta(0))
                ongoing[record.phase].append(_days(spent, state.time_scale))
    statuses = Counter(p.status for p in participants)
    destinations = Counter(
        p.withdrawal.destination.value for p in participants if p.withdrawal is not None
    )
    return SuccessMeasures(
        cohort_id=cohort_id,
        recruited=len(participants),
        progressing=sum(1 for p in participants if p.standing.on_programme),
        completed=statuses[ParticipantStatus.COMPLETED],
        withdrawn=statuses[ParticipantStatus.WITHDRAWN],
        destinations=dict(sorted(destinations.items())),
        phase_times=tuple(
            PhaseTime(
                phase=phase,
                completed=len(done[phase]),
                median_days=_median(done[phase]),
                longest_days=max(done[phase], default=None),
                in_phase=len(ongoing[phase]),
                in_phase_median_days=_median(ongoing[phase]),
            )
            for phase in Phase
        ),
    )


def measures_rows(measures: SuccessMeasures) -> list[tuple[str, str, str]]:
    """The measures as (measure, breakdown, value) rows, for CSV and tables."""
    rows = [
        ("recruited", "", str(measures.recruited)),
        ("progressing", "", str(measures.progressing)),
        ("completed", "", str(measures.completed)),
        ("withdrawn", "", str(measures.withdrawn)),
    ]
    rows += [("withdrawn", f"destination: {d}", str(n)) for d, n in measures.destinations.items()]
    for time in measures.phase_times:
        phase = time.phase.value
        rows += [
            ("phase_completed", phase, str(time.completed)),
            ("phase_median_days", phase, _shown(time.median_days)),
            ("phase_longest_days", phase, _shown(time.longest_days)),
            ("in_phase", phase, str(time.in_phase)),
            ("in_phase_median_days_so_far", phase, _shown(time.in_phase_median_days)),
        ]
    return rows


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
