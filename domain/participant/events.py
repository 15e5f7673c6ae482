"""Participant events: the facts recorded on a participant's stream, from enrolment to
programme completion.

Each event carries a `type` literal so the stored JSON names its own class; the same
events are folded by the workflow and by the Postgres projections. `at` is the instant
the fact happened, in programme time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.data_protection.personal import PersonalText
from domain.documents import DocumentRef
from domain.instants import UtcDatetime
from domain.intervention.outcomes import (
    ConcernKind,
    InterventionOutcome,
    Severity,
    WithdrawalDestination,
)
from domain.participant.work import (
    EvidenceKind,
    ManagementSummary,
    ReviewAction,
    Signatory,
)
from domain.programme.outplacements import OutplacementKind
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from domain.programme.tasks import Outcome, TaskKind
from domain.rag import RagStatus
from domain.roles import Role
from domain.support import SupportArrangements
from domain.timescale import TimeScale


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class ParticipantEnrolled(_Event):
    type: Literal["ParticipantEnrolled"] = "ParticipantEnrolled"
    participant_id: str
    cohort_id: str
    programme_version: str
    time_scale: TimeScale = 1.0
    programme_start: UtcDatetime  # the cohort's start date: the Summer Institute begins
    home_id: str
    support: SupportArrangements
    enrolled_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.enrolled_at


class PhaseStarted(_Event):
    type: Literal["PhaseStarted"] = "PhaseStarted"
    phase: Phase
    started_at: UtcDatetime
    earliest_end: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.started_at


class PhaseCompleted(_Event):
    type: Literal["PhaseCompleted"] = "PhaseCompleted"
    phase: Phase
    completed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.completed_at


class TaskOpened(_Event):
    type: Literal["TaskOpened"] = "TaskOpened"
    task_id: str
    kind: TaskKind
    title: str
    phase: Phase | None
    role: Role
    assignee: str
    opened_at: UtcDatetime
    due_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class TaskDecided(_Event):
    type: Literal["TaskDecided"] = "TaskDecided"
    task_id: str
    decided_by: str
    outcome: Outcome
    comment: PersonalText | None = None
    decided_at: UtcDatetime
    # The person a delegate decided for; None when decided in one's own right.
    on_behalf_of: str | None = None

    @property
    def at(self) -> datetime:
        return self.decided_at


class DecisionRefused(_Event):
    """A decision that arrived without a caller to refuse it to (a Signal): on record,
    never applied. `refusal` names the rule (the DomainError's class)."""

    type: Literal["DecisionRefused"] = "DecisionRefused"
    task_id: str
    decided_by: str
    outcome: Outcome
    comment: PersonalText | None = None
    refusal: str
    reason: str
    at: UtcDatetime


class TaskReassigned(_Event):
    type: Literal["TaskReassigned"] = "TaskReassigned"
    task_id: str
    from_person: str
    to_person: str
    by: str
    reason: PersonalText | None = None
    reassigned_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.reassigned_at


class DelegationGranted(_Event):
    """`from_person` hands their tasks on this participant to `to_person` for
    [starts_at, until)."""

    type: Literal["DelegationGranted"] = "DelegationGranted"
    delegation_id: int
    from_person: str
    to_person: str
    starts_at: UtcDatetime
    until: UtcDatetime
    by: str
    granted_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.granted_at


class DelegationEnded(_Event):
    type: Literal["DelegationEnded"] = "DelegationEnded"
    delegation_id: int
    from_person: str
    to_person: str
    ended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.ended_at


class TaskReminderDue(_Event):
    """Remind `to_person` (the assignee, or their delegate) of an open task: everything
    the notification needs except names and addresses, which the directory holds."""

    type: Literal["TaskReminderDue"] = "TaskReminderDue"
    task_id: str
    reminder_number: int
    to_person: str
    kind: TaskKind
    title: str
    due_at: UtcDatetime
    at: UtcDatetime


class TaskEscalated(_Event):
    """Tell `to_person` (who holds `to_role` for the participant) that a task is overdue."""

    type: Literal["TaskEscalated"] = "TaskEscalated"
    task_id: str
    level: int
    to_role: Role
    to_person: str
    assignee: str
    kind: TaskKind
    title: str
    due_at: UtcDatetime
    at: UtcDatetime


class OutplacementStarted(_Event):
    type: Literal["OutplacementStarted"] = "OutplacementStarted"
    number: int
    kind: OutplacementKind
    started_at: UtcDatetime
    ends_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.started_at


class OutplacementEnded(_Event):
    type: Literal["OutplacementEnded"] = "OutplacementEnded"
    number: int
    ended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.ended_at


class RagChanged(_Event):
    type: Literal["RagChanged"] = "RagChanged"
    status: RagStatus
    reason: str
    changed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.changed_at


class ProgrammeCompleted(_Event):
    type: Literal["ProgrammeCompleted"] = "ProgrammeCompleted"
    completed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.completed_at


class ProgrammeVersionChanged(_Event):
    """Ops moved a running participant onto another programme version: the phases still
    ahead follow `to_version` (docs/versioning.md). What was done stays as it was done."""

    type: Literal["ProgrammeVersionChanged"] = "ProgrammeVersionChanged"
    from_version: str
    to_version: str
    by: str
    reason: str
    changed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.changed_at


class ConcernRaised(_Event):
    """Someone (or the timetable itself, as "system") reports trouble. The concern opens
    case `case_number`, or joins it when that case is already open. `reason` is free text
    and may hold personal detail: it stays in the event store, never in logs."""

    type: Literal["ConcernRaised"] = "ConcernRaised"
    concern_number: int
    kind: ConcernKind
    severity: Severity
    reason: PersonalText
    raised_by: str
    case_number: int
    raised_at: UtcDatetime
    # The timetable's own triggers name what fired ("care_certificate_overrun:..."), so
    # each fires once; None for a concern a person reported.
    trigger: str | None = None

    @property
    def at(self) -> datetime:
        return self.raised_at


class InterventionOpened(_Event):
    type: Literal["InterventionOpened"] = "InterventionOpened"
    case_number: int
    kind: ConcernKind
    severity: Severity
    assignee: str
    review_task_id: str
    opened_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.opened_at


class InterventionClosed(_Event):
    type: Literal["InterventionClosed"] = "InterventionClosed"
    case_number: int
    outcome: InterventionOutcome
    decided_by: str
    approved_by: str | None = None
    closed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.closed_at


class ParticipantSuspended(_Event):
    """Suspended from unsupervised care until the intervention decides."""

    type: Literal["ParticipantSuspended"] = "ParticipantSuspended"
    case_number: int
    suspended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.suspended_at


class SuspensionLifted(_Event):
    type: Literal["SuspensionLifted"] = "SuspensionLifted"
    case_number: int
    lifted_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.lifted_at


class PhaseExtended(_Event):
    """The current phase may end `weeks` programme weeks later; so may the programme."""

    type: Literal["PhaseExtended"] = "PhaseExtended"
    phase: Phase
    weeks: int
    earliest_end: UtcDatetime
    expected_end: UtcDatetime
    extended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.extended_at


class BreakStarted(_Event):
    """A break in learning: the timetable stops until `returns_at`."""

    type: Literal["BreakStarted"] = "BreakStarted"
    case_number: int
    starts_at: UtcDatetime
    returns_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.starts_at


class BreakEnded(_Event):
    """Back from a break: every date still ahead moves on by `length`."""

    type: Literal["BreakEnded"] = "BreakEnded"
    length: timedelta
    ended_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.ended_at


class HomeChanged(_Event):
    """A move to a new placement: a new home, with its own manager and mentor."""

    type: Literal["HomeChanged"] = "HomeChanged"
    case_number: int
    from_home: str
    to_home: str
    registered_manager: str
    employer_mentor: str
    changed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.changed_at


class TaskCancelled(_Event):
    """An open task nobody need answer any more (the participant withdrew)."""

    type: Literal["TaskCancelled"] = "TaskCancelled"
    task_id: str
    reason: str
    cancelled_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.cancelled_at


class ParticipantWithdrawn(_Event):
    type: Literal["ParticipantWithdrawn"] = "ParticipantWithdrawn"
    case_number: int
    reason: PersonalText
    destination: WithdrawalDestination
    withdrawn_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.withdrawn_at


class TimesheetRecorded(_Event):
    """One week's hours: on the floor (front-line care) and off it (management and
    learning). `verified` when a manager recorded or confirmed them, not the participant."""

    type: Literal["TimesheetRecorded"] = "TimesheetRecorded"
    week_start: date
    care_hours: float
    management_hours: float
    recorded_by: str
    verified: bool
    recorded_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.recorded_at


class EvidenceAdded(_Event):
    """The participant put an item of evidence for a Care Certificate standard on record.
    `text` is free text and may hold personal detail: event store only, never logs."""

    type: Literal["EvidenceAdded"] = "EvidenceAdded"
    standard: int
    item: int
    kind: EvidenceKind
    text: PersonalText
    documents: tuple[DocumentRef, ...] = ()
    added_by: str
    added_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.added_at


class EvidenceSubmitted(_Event):
    """The standard's evidence handed in for sign-off: version `version` holds `items`."""

    type: Literal["EvidenceSubmitted"] = "EvidenceSubmitted"
    standard: int
    version: int
    items: tuple[int, ...]
    submitted_by: str
    submitted_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.submitted_at


class ReportSubmitted(_Event):
    """Version `version` of the participant's report on an outplacement, for review."""

    type: Literal["ReportSubmitted"] = "ReportSubmitted"
    outplacement: int
    version: int
    text: PersonalText
    documents: tuple[DocumentRef, ...] = ()
    submitted_by: str
    submitted_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.submitted_at


class ReviewDrafted(_Event):
    """Version `version` of a progress review's form, filled in by the Development Lead:
    the signatures of any earlier version no longer count."""

    type: Literal["ReviewDrafted"] = "ReviewDrafted"
    review: int
    version: int
    progress: PersonalText
    actions: tuple[ReviewAction, ...]
    actions_completed: tuple[str, ...]
    concerns: PersonalText
    wellbeing: PersonalText
    management: ManagementSummary
    drafted_by: str
    drafted_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.drafted_at


class ReviewSigned(_Event):
    type: Literal["ReviewSigned"] = "ReviewSigned"
    review: int
    version: int
    signatory: Signatory
    signed_by: str
    role: Role
    signed_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.signed_at


class ReviewSentBack(_Event):
    """A signatory sent the form back before all three signed; the lead fills it in again."""

    type: Literal["ReviewSentBack"] = "ReviewSentBack"
    review: int
    version: int
    by: str
    reason: PersonalText
    sent_back_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.sent_back_at


class SupportSessionRecorded(_Event):
    """A coaching or mentoring session, recorded by the coach or mentor who held it.
    `notes` are personal: only the participant and their author read them. They stay in
    the event store, out of the participant's state, search attributes and logs."""

    type: Literal["SupportSessionRecorded"] = "SupportSessionRecorded"
    session_number: int
    kind: SessionKind
    held_on: date
    minutes: int
    themes: tuple[SessionTheme, ...]
    notes: PersonalText | None = None
    recorded_by: str
    recorded_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.recorded_at


class FeedbackGiven(_Event):
    """An answer to a feedback task (a placement rating, a survey, an LQF assessment).
    `scores` are what the success measures count. PERSONAL CONTENT: `comment` is free
    text about people and may identify them; it stays in the event store, out of the
    participant's state, search attributes and logs."""

    type: Literal["FeedbackGiven"] = "FeedbackGiven"
    task_id: str
    form: str  # domain.programme.feedback Form.key
    subject: str  # what it is about: a placement, a phase, "programme", an LQF point
    role: Role  # the part the respondent plays for the participant
    respondent: str
    home_id: str | None  # the participant's home when asked
    # Where a placement rating is about: the home (care placement), or the host of an
    # outplacement (a home in the directory, or an organisation named in words).
    place_home_id: str | None = None
    place_name: str | None = None
    scores: dict[str, int]
    comment: PersonalText | None = None  # personal content
    given_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.given_at


class CareFeedbackRecorded(_Event):
    """Feedback that ops (or the Development Lead) gathered from people receiving care
    from the participant, at their home in their phase then. PERSONAL CONTENT:
    `comment` is what the person said, and stays in the event store only."""

    type: Literal["CareFeedbackRecorded"] = "CareFeedbackRecorded"
    number: int
    phase: Phase
    home_id: str
    scores: dict[str, int]
    comment: PersonalText | None = None  # personal content
    recorded_by: str
    recorded_at: UtcDatetime

    @property
    def at(self) -> datetime:
        return self.recorded_at


ParticipantEvent = Annotated[
    ParticipantEnrolled
    | PhaseStarted
    | PhaseCompleted
    | TaskOpened
    | TaskDecided
    | DecisionRefused
    | TaskReassigned
    | DelegationGranted
    | DelegationEnded
    | TaskReminderDue
    | TaskEscalated
    | OutplacementStarted
    | OutplacementEnded
    | RagChanged
    | ProgrammeCompleted
    | ConcernRaised
    | InterventionOpened
    | InterventionClosed
    | ParticipantSuspended
    | SuspensionLifted
    | PhaseExtended
    | BreakStarted
    | BreakEnded
    | HomeChanged
    | TaskCancelled
    | ParticipantWithdrawn
    | TimesheetRecorded
    | ProgrammeVersionChanged
    | EvidenceAdded
    | EvidenceSubmitted
    | ReportSubmitted
    | ReviewDrafted
    | ReviewSigned
    | ReviewSentBack
    | SupportSessionRecorded
    | FeedbackGiven
    | CareFeedbackRecorded,
    Field(discriminator="type"),
]

_PARTICIPANT_EVENT: TypeAdapter[ParticipantEvent] = TypeAdapter(ParticipantEvent)


def parse_participant_event(data: Mapping[str, Any]) -> ParticipantEvent:
    """An event from its stored JSON form (as `model_dump(mode="json")` wrote it)."""
    return _PARTICIPANT_EVENT.validate_python(data)
