"""An intervention's case file: the deliberation from the case opening to its outcome.

The Development Lead proposes an outcome; a move, an extension or a withdrawal then waits
for ops' approval (ops may send it back with a reason, and the lead proposes again). Once
decided, the participant's workflow applies the outcome and the case file closes. The
file is its own event stream (`intervention-<participant>-<n>`), kept by the
intervention workflow.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.data_protection.personal import PersonalText
from domain.errors import (
    HomeTooSmall,
    InconsistentHistory,
    InterventionNotOpen,
    InvalidInterventionOutcome,
    PersonNotAllowed,
)
from domain.instants import UtcDatetime
from domain.intervention.outcomes import ConcernKind, InterventionOutcome, MoveToNewHome, Severity
from domain.participant.commands import ApplyInterventionOutcome


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseFileOpened(_Event):
    type: Literal["CaseFileOpened"] = "CaseFileOpened"
    participant_id: str
    case_number: int
    cohort_id: str
    kind: ConcernKind
    severity: Severity
    development_lead: str
    ops_lead: str
    opened_at: UtcDatetime


class OutcomeProposed(_Event):
    type: Literal["OutcomeProposed"] = "OutcomeProposed"
    outcome: InterventionOutcome
    by: str
    at: UtcDatetime


class OutcomeApproved(_Event):
    type: Literal["OutcomeApproved"] = "OutcomeApproved"
    by: str
    at: UtcDatetime


class OutcomeReturned(_Event):
    """Ops did not approve; the Development Lead proposes again."""

    type: Literal["OutcomeReturned"] = "OutcomeReturned"
    by: str
    reason: PersonalText
    at: UtcDatetime


class CaseStepRefused(_Event):
    """A proposal or approval that came by Signal and was refused: on record only."""

    type: Literal["CaseStepRefused"] = "CaseStepRefused"
    step: Literal["propose", "approve"]
    by: str
    refusal: str
    reason: str
    at: UtcDatetime


class CaseFileClosed(_Event):
    type: Literal["CaseFileClosed"] = "CaseFileClosed"
    at: UtcDatetime


CaseEvent = Annotated[
    CaseFileOpened
    | OutcomeProposed
    | OutcomeApproved
    | OutcomeReturned
    | CaseStepRefused
    | CaseFileClosed,
    Field(discriminator="type"),
]

_CASE_EVENT: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)


def parse_case_event(data: Any) -> CaseEvent:
    return _CASE_EVENT.validate_python(data)


# --- commands ---------------------------------------------------------------------------


class ProposeOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: str
    outcome: InterventionOutcome


class ReviewProposal(BaseModel):
    """Ops' answer to a proposed outcome: approved, or returned with a reason."""

    model_config = ConfigDict(frozen=True)

    by: str
    approve: bool
    reason: str | None = None


# --- state ------------------------------------------------------------------------------


class CaseStage(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    AWAITING_APPROVAL = "awaiting_approval"
    DECIDED = "decided"  # the participant's workflow applies it
    CLOSED = "closed"


class CaseFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # "<participant>-<case number>"
    opening: CaseFileOpened | None = None
    stage: CaseStage = CaseStage.AWAITING_DECISION
    proposal: OutcomeProposed | None = None
    approved_by: str | None = None
    returns: tuple[OutcomeReturned, ...] = ()
    # Answers that came by Signal (no one waiting to be told) and were refused.
    refusals: tuple[CaseStepRefused, ...] = ()
    closed_at: UtcDatetime | None = None
    version: int = 0

    def opened(self) -> CaseFileOpened:
        if self.opening is None:
            raise InconsistentHistory(f"case file {self.key} was never opened")
        return self.opening

    @property
    def name(self) -> str:
        opening = self.opened()
        return f"intervention {opening.case_number} of participant {opening.participant_id}"

    def decided_outcome(self) -> ApplyInterventionOutcome | None:
        """What the participant's workflow is to apply, once decided."""
        if self.stage != CaseStage.DECIDED or self.proposal is None:
            return None
        return ApplyInterventionOutcome(
            case_number=self.opened().case_number,
            outcome=self.proposal.outcome,
            decided_by=self.proposal.by,
            approved_by=self.approved_by,
        )


def new_case_file(key: str) -> CaseFile:
    return CaseFile(key=key)


def evolve_case(case: CaseFile, event: CaseEvent) -> CaseFile:
    changes: dict[str, object]
    match event:
        case CaseFileOpened():
            changes = {"opening": event}
        case OutcomeProposed():
            needs_approval = event.outcome.needs_ops_approval
            stage = CaseStage.AWAITING_APPROVAL if needs_approval else CaseStage.DECIDED
            changes = {"proposal": event, "stage": stage}
        case OutcomeApproved():
            changes = {"approved_by": event.by, "stage": CaseStage.DECIDED}
        case OutcomeReturned():
            changes = {
                "proposal": None,
                "stage": CaseStage.AWAITING_DECISION,
                "returns": (*case.returns, event),
            }
        case CaseStepRefused():
            changes = {"refusals": (*case.refusals, event)}
        case CaseFileClosed():
            changes = {"stage": CaseStage.CLOSED, "closed_at": event.at}
    return case.model_copy(update={**changes, "version": case.version + 1})


def told_of_opening(opening: CaseFileOpened) -> list[str]:
    """Who hears of a case as it opens: the Development Lead, who holds the review
    meeting, and for a safeguarding concern ops as well."""
    told = [opening.development_lead]
    if opening.kind == ConcernKind.SAFEGUARDING and opening.ops_lead not in told:
        told.append(opening.ops_lead)
    return told


# --- decisions --------------------------------------------------------------------------


def propose(
    case: CaseFile, command: ProposeOutcome, now: datetime, others_at_home: int | None
) -> list[CaseEvent]:
    """The lead's proposal. A move needs `others_at_home`: how many scheme participants
    the destination has besides this one (None when not yet looked up)."""
    opening = case.opened()
    if command.by != opening.development_lead:
        raise PersonNotAllowed(
            f"{command.by} is not the Development Lead of {case.name}; "
            f"{opening.development_lead} decides its outcome"
        )
    if case.stage != CaseStage.AWAITING_DECISION:
        raise InterventionNotOpen(f"{case.name} is {case.stage.value.replace('_', ' ')}")
    check_destination(command.outcome, others_at_home)
    return [OutcomeProposed(outcome=command.outcome, by=command.by, at=now)]


def review(
    case: CaseFile, command: ReviewProposal, now: datetime, others_at_home: int | None
) -> list[CaseEvent]:
    opening = case.opened()
    if command.by != opening.ops_lead:
        raise PersonNotAllowed(
            f"{command.by} is not ops for {case.name}; {opening.ops_lead} approves its outcome"
        )
    if case.stage != CaseStage.AWAITING_APPROVAL or case.proposal is None:
        raise InterventionNotOpen(
            f"{case.name} has no outcome awaiting approval (it is "
            f"{case.stage.value.replace('_', ' ')})"
        )
    if not command.approve:
        if not command.reason:
            raise InvalidInterventionOutcome(
                "an outcome sent back needs a reason for the Development Lead"
            )
        return [OutcomeReturned(by=command.by, reason=command.reason, at=now)]
    check_destination(case.proposal.outcome, others_at_home)
    return [OutcomeApproved(by=command.by, at=now)]


def check_destination(outcome: InterventionOutcome, others_at_home: int | None) -> None:
    """A move must leave the new home with at least two scheme participants."""
    if not isinstance(outcome, MoveToNewHome) or others_at_home is None:
        return
    if others_at_home < 1:
        raise HomeTooSmall(
            f"home {outcome.home_id} has no other scheme participant; every home must "
            "keep at least two, so the move is refused"
        )


def close(case: CaseFile, now: datetime) -> list[CaseEvent]:
    if case.stage != CaseStage.DECIDED:
        raise InterventionNotOpen(f"{case.name} is not decided")
    return [CaseFileClosed(at=now)]
