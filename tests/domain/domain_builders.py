"""Shared builders for the domain tests: a participant's support, an enrolment, and a
way to apply what `decide` returns."""

from collections.abc import Sequence
from datetime import UTC, datetime

from domain.commands import Enrol
from domain.events import ParticipantEvent
from domain.participant import ParticipantState, evolve
from domain.support import SupportArrangements

PROGRAMME_START = datetime(2027, 9, 6, 9, 0, tzinfo=UTC)

SUPPORT = SupportArrangements(
    registered_manager="P-rm-1",
    employer_mentor="P-mentor-1",
    development_lead="P-devlead-1",
    coach="P-coach-1",
    assessor="P-assessor-1",
    institute_lead="P-institute-1",
    ops_lead="P-ops-1",
    course_partners=("P-2",),
)


def enrol_command(
    participant_id: str = "P-1", programme_version: str = "2025.1", time_scale: float = 1.0
) -> Enrol:
    return Enrol(
        participant_id=participant_id,
        cohort_id="C-north-2027",
        programme_version=programme_version,
        time_scale=time_scale,
        programme_start=PROGRAMME_START,
        home_id="H-1",
        support=SUPPORT,
    )


def applied(state: ParticipantState, events: Sequence[ParticipantEvent]) -> ParticipantState:
    for event in events:
        state = evolve(state, event)
    return state
