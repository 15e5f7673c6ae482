"""Commands: what people and timers ask of a participant. `decide` turns each into events
or refuses it with a DomainError."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.documents import DocumentRef
from domain.instants import UtcDatetime
from domain.intervention.outcomes import ConcernKind, InterventionOutcome, Severity
from domain.participant.work import AgreedAction, EvidenceKind
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.programme.tasks import Outcome
from domain.support import SupportArrangements
from domain.timescale import TimeScale


class Enrol(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["Enrol"] = "Enrol"
    participant_id: str
    cohort_id: str
    programme_version: str
    time_scale: TimeScale = 1.0
    programme_start: UtcDatetime
    home_id: str
    support: SupportArrangements


class AdvanceTime(BaseModel):
    """Time has passed: record whatever the programme's timetable makes due by `now`."""

    model_config = ConfigDict(frozen=True)

    type: Literal["AdvanceTime"] = "AdvanceTime"


class DecideTask(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["DecideTask"] = "DecideTask"
    task_id: str
    decided_by: str
    outcome: Outcome
    comment: str | None = None


class ReassignTask(BaseModel):
    """Give an open task to someone else (the assignee, an escalation's recipient or ops
    may)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["ReassignTask"] = "ReassignTask"
    task_id: str
    to_person: str
    by: str
    reason: str | None = None


class Delegate(BaseModel):
    """A manager away hands their tasks on this participant to a named deputy for
    [starts_at, until). The engine sends it to every participant with tasks for them."""

    model_config = ConfigDict(frozen=True)

    type: Literal["Delegate"] = "Delegate"
    from_person: str
    to_person: str
    starts_at: UtcDatetime
    until: UtcDatetime
    by: str


class RaiseConcern(BaseModel):
    """Someone around the placement reports trouble. A safeguarding concern suspends the
    participant from unsupervised care at once, whatever severity was given."""

    model_config = ConfigDict(frozen=True)

    type: Literal["RaiseConcern"] = "RaiseConcern"
    by: str
    kind: ConcernKind = ConcernKind.PLACEMENT_CONCERN
    severity: Severity = Severity.MEDIUM
    reason: str = Field(min_length=1)


class SubmitTimesheet(BaseModel):
    """One week's hours on the floor and off it, by the participant or a manager."""

    model_config = ConfigDict(frozen=True)

    type: Literal["SubmitTimesheet"] = "SubmitTimesheet"
    by: str
    week_start: date
    care_hours: float = Field(ge=0, allow_inf_nan=False)
    management_hours: float = Field(ge=0, allow_inf_nan=False)


class ApplyInterventionOutcome(BaseModel):
    """An intervention's decided (and, where needed, approved) outcome, for the
    participant's timetable, tasks and RAG status to follow."""

    model_config = ConfigDict(frozen=True)

    type: Literal["ApplyInterventionOutcome"] = "ApplyInterventionOutcome"
    case_number: int
    outcome: InterventionOutcome
    decided_by: str
    approved_by: str | None = None


class ChangeProgramme(BaseModel):
    """Ops move a running participant onto another programme version, for the phases
    still ahead; refused while the current phase would change under them."""

    model_config = ConfigDict(frozen=True)

    type: Literal["ChangeProgramme"] = "ChangeProgramme"
    to_version: str
    by: str
    reason: str = Field(min_length=1)


class AddEvidence(BaseModel):
    """The participant puts an item of evidence for a Care Certificate standard on record
    (text, and files already in the document store)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["AddEvidence"] = "AddEvidence"
    by: str
    standard: int = Field(ge=1)
    kind: EvidenceKind
    text: str = Field(min_length=1)
    documents: tuple[DocumentRef, ...] = ()


class SubmitEvidence(BaseModel):
    """The participant hands a standard's evidence in for the assessor to answer."""

    model_config = ConfigDict(frozen=True)

    type: Literal["SubmitEvidence"] = "SubmitEvidence"
    by: str
    standard: int = Field(ge=1)


class SubmitReport(BaseModel):
    """The participant hands in their report on an outplacement, for their mentor."""

    model_config = ConfigDict(frozen=True)

    type: Literal["SubmitReport"] = "SubmitReport"
    by: str
    outplacement: int = Field(ge=1)
    text: str = Field(min_length=1)
    documents: tuple[DocumentRef, ...] = ()


class DraftReview(BaseModel):
    """The Development Lead fills in a progress review's form (again, after a send-back)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["DraftReview"] = "DraftReview"
    by: str
    review: int = Field(ge=1)
    progress: str = Field(min_length=1)
    actions: tuple[AgreedAction, ...] = ()
    actions_completed: tuple[str, ...] = ()  # numbers of earlier reviews' actions
    concerns: str = ""
    wellbeing: str = Field(min_length=1)


class SignReview(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["SignReview"] = "SignReview"
    by: str
    review: int = Field(ge=1)


class SendBackReview(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["SendBackReview"] = "SendBackReview"
    by: str
    review: int = Field(ge=1)
    reason: str = Field(min_length=1)


class RecordSession(BaseModel):
    """The participant's coach records a coaching session, or their employer mentor a
    mentoring session, after holding it. The rules (domain.participant.support_sessions)
    check the rest, so every caller hears the same words."""

    model_config = ConfigDict(frozen=True)

    type: Literal["RecordSession"] = "RecordSession"
    by: str
    kind: SessionKind
    held_on: date
    minutes: int
    themes: tuple[SessionTheme, ...]
    notes: str | None = None


class GiveFeedback(BaseModel):
    """The answer to a feedback task, by the person it is asked of: a score for every
    question of its form, a comment if they wish; for an outplacement's rating, its host
    (a home of the directory, or an organisation's name) unless already named."""

    model_config = ConfigDict(frozen=True)

    type: Literal["GiveFeedback"] = "GiveFeedback"
    by: str
    task_id: str
    scores: dict[str, int]
    comment: str | None = None
    host_home_id: str | None = None
    host_name: str | None = None


class RecordCareFeedback(BaseModel):
    """Ops (or the Development Lead) record what people receiving care said about the
    participant."""

    model_config = ConfigDict(frozen=True)

    type: Literal["RecordCareFeedback"] = "RecordCareFeedback"
    by: str
    scores: dict[str, int]
    comment: str | None = None


ParticipantCommand = Annotated[
    Enrol
    | AdvanceTime
    | DecideTask
    | ReassignTask
    | Delegate
    | RaiseConcern
    | SubmitTimesheet
    | ApplyInterventionOutcome
    | ChangeProgramme
    | AddEvidence
    | SubmitEvidence
    | SubmitReport
    | DraftReview
    | SignReview
    | SendBackReview
    | RecordSession
    | GiveFeedback
    | RecordCareFeedback,
    Field(discriminator="type"),
]
