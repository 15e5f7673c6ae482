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


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    ON_BREAK = "on_break"  # a break in learning: the timetable waits for the return date
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def has_left(self) -> bool:
        """Completed or withdrawn: nothing more will happen on the programme."""
        return self in (ParticipantStatus.COMPLETED, ParticipantStatus.WITHDRAWN)
