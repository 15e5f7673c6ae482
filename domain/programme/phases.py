"""Where a participant stands: the programme phase they are in, and whether they are still
on the scheme at all."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """The programme's phases, in the order a participant goes through them."""

    ENROLMENT = "enrolment"
    SUMMER_INSTITUTE = "summer_institute"
    CARE_PLACEMENT = "care_placement"
    FIRST_LINE_MANAGEMENT = "first_line_management"  # 80% front-line care, 20% management
    TOWARDS_REGISTERED_MANAGER = "towards_registered_manager"  # 60/40
    RM_READINESS = "rm_readiness"

    @property
    def label(self) -> str:
        """The phase's name as the scheme's people say it, whatever the programme version."""
        return _PHASE_LABELS[self]


_PHASE_LABELS = {
    Phase.ENROLMENT: "Enrolment",
    Phase.SUMMER_INSTITUTE: "Summer Institute",
    Phase.CARE_PLACEMENT: "Hands-on care placement",
    Phase.FIRST_LINE_MANAGEMENT: "First-line management (80/20)",
    Phase.TOWARDS_REGISTERED_MANAGER: "Towards Registered Manager (60/40)",
    Phase.RM_READINESS: "RM readiness",
}


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    ON_BREAK = "on_break"  # a break in learning: the timetable waits for the return date
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def has_left(self) -> bool:
        """Completed or withdrawn: nothing more will happen on the programme."""
        return self in (ParticipantStatus.COMPLETED, ParticipantStatus.WITHDRAWN)

    @property
    def on_programme(self) -> bool:
        """Active or on a break in learning. A break stops the timetable, not the
        programme: someone on a break is still in their phase, and at their home."""
        return not self.has_left
