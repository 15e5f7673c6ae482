"""What the record shows, phase by phase: how long those who finished a phase took, how
many who entered it withdrew in it, had an intervention opened in it, and what share of
decisions in it sent the work back. Durations are programme days (a cohort run at a time
scale counts the programme's time), so cohorts at any scale pool together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from domain.participant.state import ParticipantState, PhaseRecord
from domain.programme.phases import Phase
from domain.programme.tasks import Outcome


class PhaseRates(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    entered: int
    durations_days: tuple[float, ...]  # of those who completed it
    withdrawn: int  # while in it
    interventions: int  # cases opened while in it
    decisions: int
    sent_back: int

    @property
    def withdrawal_rate(self) -> float:
        return self.withdrawn / self.entered if self.entered else 0.0

    @property
    def intervention_rate(self) -> float:
        return self.interventions / self.entered if self.entered else 0.0

    @property
    def send_back_rate(self) -> float:
        return self.sent_back / self.decisions if self.decisions else 0.0


def programme_days(duration: timedelta, time_scale: float) -> float:
    return duration * time_scale / timedelta(days=1)


def phase_at(state: ParticipantState, instant: datetime) -> Phase | None:
    """The phase the participant was in at `instant`."""
    current = None
    for record in state.phase_history:
        if record.started_at <= instant:
            current = record.phase
    return current


def observed_rates(states: Sequence[ParticipantState]) -> dict[Phase, PhaseRates]:
    rates = {}
    for phase in Phase:
        records = [
            (state, record)
            for state in states
            for record in state.phase_history
            if record.phase == phase
        ]
        rates[phase] = PhaseRates(
            phase=phase,
            entered=len(records),
            durations_days=tuple(
                sorted(_days_in(state, r) for state, r in records if r.completed_at)
            ),
            withdrawn=sum(
                1 for state in states if state.withdrawal is not None and state.phase == phase
            ),
            interventions=sum(
                1
                for state in states
                for case in state.interventions.values()
                if phase_at(state, case.opened_at) == phase
            ),
            decisions=sum(
                1
                for state in states
                for t in state.tasks.values()
                if t.phase == phase and t.decision
            ),
            sent_back=sum(
                1
                for state in states
                for task in state.tasks.values()
                if task.phase == phase
                and task.decision is not None
                and task.decision.outcome is Outcome.SEND_BACK
            ),
        )
    return rates


def _days_in(state: ParticipantState, record: PhaseRecord) -> float:
    assert record.completed_at is not None
    return programme_days(record.completed_at - record.started_at, state.time_scale)
