"""How the simulated people of a rehearsal behave, and what befalls the cohort: the
policy file (YAML or JSON) as ops write it.

```yaml
seed: 7
answer:                  # on time: at a random moment between a task's opening and its due date
  late_rate: 0.1         # the share of tasks answered late ...
  max_days_late: 10      # ... by up to this many days
send_back_rate: 0.05     # first answers that send the task back, with a reason
refusal_rate: 0.05       # answers first tried by someone the rules refuse
incidents:
  - {kind: placement_breakdown, participant: NW29-01, week: 30}
  - {kind: withdrawal, participant: NW29-02, week: 40}
  - {kind: break_in_learning, participant: NW29-03, week: 60}
  - {kind: missed_review, participant: NW29-04, week: 20}
```
Weeks count from the cohort's start date, in programme time.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.errors import DomainError


class InvalidRehearsalPolicy(DomainError):
    pass


class IncidentKind(StrEnum):
    PLACEMENT_BREAKDOWN = "placement_breakdown"  # the Registered Manager reports it
    WITHDRAWAL = "withdrawal"  # the Development Lead proposes it, ops approve
    BREAK_IN_LEARNING = "break_in_learning"  # four weeks, decided by the Development Lead
    MISSED_REVIEW = "missed_review"  # the next progress review is left until a concern opens


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: IncidentKind
    participant: str = Field(min_length=1)
    week: int = Field(ge=0, le=120)


class AnswerTiming(BaseModel):
    """On time, a task is answered at a random moment between its opening and its due
    date; a share of tasks is answered late instead."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    late_rate: float = Field(default=0.1, ge=0, le=1)
    max_days_late: float = Field(default=10, ge=0, le=60)


class RehearsalPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    answer: AnswerTiming = AnswerTiming()
    send_back_rate: float = Field(default=0.05, ge=0, le=1)
    refusal_rate: float = Field(default=0.05, ge=0, le=1)
    incidents: tuple[Incident, ...] = ()

    @model_validator(mode="after")
    def _one_leaving_each(self) -> RehearsalPolicy:
        leaving = [i.participant for i in self.incidents if i.kind is IncidentKind.WITHDRAWAL]
        for participant in sorted(set(leaving)):
            if leaving.count(participant) > 1:
                raise ValueError(f"participant {participant} can withdraw only once")
        return self

    def check_participants(self, participant_ids: set[str]) -> None:
        """Every incident names a participant of the cohort rehearsed."""
        unknown = sorted({i.participant for i in self.incidents} - participant_ids)
        if unknown:
            raise InvalidRehearsalPolicy(
                f"the policy's incidents name participants the cohort does not have: "
                f"{', '.join(unknown)}"
            )


def policy_from(data: object) -> RehearsalPolicy:
    """The policy in a file's parsed content; every problem named, with where it is."""
    try:
        return RehearsalPolicy.model_validate(data if data is not None else {})
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'policy'}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in invalid.errors()
        )
        raise InvalidRehearsalPolicy(f"the rehearsal policy is not valid: {problems}") from None
