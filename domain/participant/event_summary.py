"""One line per participant event, as a participant's timeline shows it (the command
line's and the web console's): what happened, in the scheme's words, naming people by id
unless given their names."""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from domain.participant.events import (
    BreakEnded,
    BreakStarted,
    CareFeedbackRecorded,
    ConcernRaised,
    DecisionRefused,
    DelegationEnded,
    DelegationGranted,
    EvidenceAdded,
    EvidenceSubmitted,
    FeedbackGiven,
    HomeChanged,
    InterventionClosed,
    InterventionOpened,
    OutplacementEnded,
    OutplacementStarted,
    ParticipantEnrolled,
    ParticipantEvent,
    ParticipantSuspended,
    ParticipantWithdrawn,
    PhaseCompleted,
    PhaseExtended,
    PhaseStarted,
    ProgrammeCompleted,
    ProgrammeVersionChanged,
    RagChanged,
    ReportSubmitted,
    ReviewDrafted,
    ReviewSentBack,
    ReviewSigned,
    SupportSessionRecorded,
    SuspensionLifted,
    TaskCancelled,
    TaskDecided,
    TaskEscalated,
    TaskOpened,
    TaskReassigned,
    TaskReminderDue,
    TimesheetRecorded,
)


def _day(instant: object) -> str:
    return f"{instant:%Y-%m-%d}"


def _as_id(person_id: str) -> str:
    return person_id


def summarise(event: ParticipantEvent, who: Callable[[str], str] = _as_id) -> str:
    """The event in one line; `who` names each person the line mentions (by id unless
    told otherwise)."""
    match event:
        case ParticipantEnrolled():
            return (
                f"enrolled in cohort {event.cohort_id} at home {event.home_id} "
                f"(programme {event.programme_version}, starts {_day(event.programme_start)})"
            )
        case PhaseStarted():
            return f"{event.phase.label} started (earliest end {_day(event.earliest_end)})"
        case PhaseCompleted():
            return f"{event.phase.label} completed"
        case TaskOpened():
            return (
                f"task {event.task_id} opened for {who(event.assignee)} ({event.role.value}): "
                f"{event.title}, due {_day(event.due_at)}"
            )
        case TaskDecided():
            by = who(event.decided_by)
            if event.on_behalf_of:
                by += f" for {who(event.on_behalf_of)}"
            comment = f": {event.comment}" if event.comment else ""
            return f"task {event.task_id} {event.outcome.in_words} by {by}{comment}"
        case DecisionRefused():
            return (
                f"{event.outcome.value} on task {event.task_id} by {who(event.decided_by)} "
                f"refused: {event.reason}"
            )
        case TaskReassigned():
            reason = f" ({event.reason})" if event.reason else ""
            return (
                f"task {event.task_id} reassigned from {who(event.from_person)} to "
                f"{who(event.to_person)} by {who(event.by)}{reason}"
            )
        case DelegationGranted():
            return (
                f"{who(event.from_person)}'s tasks delegated to {who(event.to_person)} from "
                f"{_day(event.starts_at)} until {_day(event.until)}"
            )
        case DelegationEnded():
            return f"delegation of {who(event.from_person)}'s tasks to {who(event.to_person)} ended"
        case TaskReminderDue():
            return (
                f"reminder {event.reminder_number} to {who(event.to_person)} about task "
                f"{event.task_id}, due {_day(event.due_at)}"
            )
        case TaskEscalated():
            return (
                f"task {event.task_id} overdue: escalated (level {event.level}) to "
                f"{who(event.to_person)} ({event.to_role.value})"
            )
        case OutplacementStarted():
            return (
                f"outplacement {event.number} ({event.kind.value}) started, "
                f"ends {_day(event.ends_at)}"
            )
        case OutplacementEnded():
            return f"outplacement {event.number} ended"
        case RagChanged():
            return f"RAG {event.status.value}: {event.reason}"
        case ProgrammeCompleted():
            return "programme completed"
        case ConcernRaised():
            by = "the timetable" if event.raised_by == "system" else who(event.raised_by)
            return (
                f"concern {event.concern_number} ({event.kind.value}, {event.severity.value}) "
                f"raised by {by} in case {event.case_number}: {event.reason}"
            )
        case InterventionOpened():
            return (
                f"intervention case {event.case_number} opened ({event.kind.value}, "
                f"{event.severity.value}), reviewed by {who(event.assignee)}"
            )
        case InterventionClosed():
            approved = f", approved by {who(event.approved_by)}" if event.approved_by else ""
            return (
                f"intervention case {event.case_number} closed: {event.outcome.kind} "
                f"(decided by {who(event.decided_by)}{approved})"
            )
        case ParticipantSuspended():
            return f"suspended from unsupervised care (case {event.case_number})"
        case SuspensionLifted():
            return f"suspension lifted (case {event.case_number})"
        case PhaseExtended():
            return (
                f"{event.phase.label} extended by {event.weeks} weeks "
                f"(earliest end {_day(event.earliest_end)})"
            )
        case BreakStarted():
            return f"break in learning until {_day(event.returns_at)} (case {event.case_number})"
        case BreakEnded():
            return f"back from a break in learning of {event.length.days} days"
        case HomeChanged():
            return (
                f"moved from home {event.from_home} to {event.to_home} "
                f"(RM {who(event.registered_manager)}, mentor {who(event.employer_mentor)})"
            )
        case TaskCancelled():
            return f"task {event.task_id} cancelled: {event.reason}"
        case ParticipantWithdrawn():
            return f"withdrawn, to {event.destination.value}: {event.reason}"
        case TimesheetRecorded():
            verified = "verified" if event.verified else "unverified"
            return (
                f"week of {event.week_start}: {event.care_hours:g}h care, "
                f"{event.management_hours:g}h management ({verified}, by {who(event.recorded_by)})"
            )
        case ProgrammeVersionChanged():
            return (
                f"programme changed from {event.from_version} to {event.to_version} by "
                f"{who(event.by)}: {event.reason}"
            )
        case EvidenceAdded():
            files = _files(len(event.documents))
            return (
                f"{event.kind.value} evidence {event.item} for Care Certificate standard "
                f"{event.standard} added by {who(event.added_by)}{files}"
            )
        case EvidenceSubmitted():
            return (
                f"evidence for Care Certificate standard {event.standard} handed in by "
                f"{who(event.submitted_by)} (version {event.version}, "
                f"{len(event.items)} items)"
            )
        case ReportSubmitted():
            return (
                f"report on outplacement {event.outplacement} handed in by "
                f"{who(event.submitted_by)} (version {event.version}"
                f"{_files(len(event.documents)).replace(' with', ',')})"
            )
        case ReviewDrafted():
            return (
                f"progress review {event.review} filled in by {who(event.drafted_by)} "
                f"(version {event.version}, {len(event.actions)} actions agreed)"
            )
        case ReviewSigned():
            return (
                f"progress review {event.review} signed by {who(event.signed_by)} as "
                f"{event.signatory.in_words} (version {event.version})"
            )
        case ReviewSentBack():
            return (
                f"progress review {event.review} sent back by {who(event.by)} "
                f"(version {event.version}): {event.reason}"
            )
        case SupportSessionRecorded():
            # Never the notes: the timeline is read by everyone around the participant.
            themes = ", ".join(theme.value.replace("_", " ") for theme in event.themes)
            return (
                f"{event.kind.value} session {event.session_number} on {event.held_on} "
                f"({event.minutes} min: {themes}) recorded by {who(event.recorded_by)}"
            )
        case FeedbackGiven():
            # Never the scores nor the comment: the home's people read the timeline, and
            # a rating of their placement is for the scheme.
            about = event.subject.replace("_", " ")
            return f"{event.form.replace('_', ' ')} ({about}) given by {who(event.respondent)}"
        case CareFeedbackRecorded():
            return (
                f"feedback from people receiving care ({event.number}) recorded by "
                f"{who(event.recorded_by)}"
            )
        case _:
            assert_never(event)


def _files(count: int) -> str:
    return "" if count == 0 else f" with {count} file{'s' if count > 1 else ''}"
