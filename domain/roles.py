"""The people who answer a participant's tasks, by the part they play in the scheme."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPS = "ops"
    INSTITUTE_LEAD = "institute_lead"
    ASSESSOR = "assessor"
    REGISTERED_MANAGER = "registered_manager"
    EMPLOYER_MENTOR = "employer_mentor"
    DEVELOPMENT_LEAD = "development_lead"
    COACH = "coach"
    PARTICIPANT = "participant"


SYSTEM = "system"
"""The actor of what the engine does by itself (the timetable, a case's own steps)."""
