"""Refusals of the domain: every rule the scheme enforces fails with one of these.

Messages are written for the person who asked (a manager, ops staff), because the
workflow passes them back unchanged when an approval or an enrolment is refused.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the scheme's rules do not allow; the message says why."""


class UnknownProgrammeVersion(DomainError):
    pass


class ProgrammeChangeRefused(DomainError):
    pass


class InvalidTimeScale(DomainError):
    pass


class NotUtc(DomainError):
    pass


class NotEnrolled(DomainError):
    pass


class AlreadyEnrolled(DomainError):
    pass


class ParticipantNotActive(DomainError):
    pass


class UnknownTask(DomainError):
    pass


class TaskAlreadyDecided(DomainError):
    pass


class PersonNotAllowed(DomainError):
    pass


class CommentRequired(DomainError):
    pass


class OutcomeNotAllowed(DomainError):
    pass


class InvalidReassignment(DomainError):
    pass


class InvalidDelegation(DomainError):
    pass


class InvalidCohort(DomainError):
    pass


class DuplicateParticipant(InvalidCohort):
    pass


class HomeTooSmall(InvalidCohort):
    pass


class InAnotherCohort(InvalidCohort):
    pass


class CohortAlreadyStarted(InvalidCohort):
    pass


class WrongParticipant(DomainError):
    pass


class InconsistentHistory(DomainError):
    """An event that cannot follow the ones before it: the stream was not written by
    `decide`/`due`, or was edited."""


class UnknownConference(DomainError):
    pass


class NotInCohort(DomainError):
    pass


class ContradictoryAttendance(DomainError):
    pass


class InvalidConcern(DomainError):
    pass


class InvalidTimesheet(DomainError):
    pass


class InvalidSession(DomainError):
    pass


class InterventionNotOpen(DomainError):
    pass


class InvalidInterventionOutcome(DomainError):
    pass


class InvalidWork(DomainError):
    """Evidence or a report that cannot be added, handed in or answered now."""


class InvalidReview(DomainError):
    """A progress review's form that cannot be filled in, signed or sent back now."""


class AlreadySigned(InvalidReview):
    pass


class InvalidFeedback(DomainError):
    """A rating, survey or leadership assessment that does not fit its form."""


class InvalidCheckIn(DomainError):
    """An alumni check-in answer the alumni record cannot take."""


class InvalidCqcFile(DomainError):
    """A CQC care directory file with rows or fields that cannot be read."""


class ForgettingRefused(DomainError):
    pass
