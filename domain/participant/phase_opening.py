"""Opening a phase: the PhaseStarted event and one task per sign-off the phase needs to end.

Shared by enrolment (which opens the enrolment phase) and by the timetable (which opens
each later phase when the one before it completes).
"""

from __future__ import annotations

from datetime import datetime

from domain.participant.events import ParticipantEvent, PhaseStarted, TaskOpened
from domain.programme.definition import Programme
from domain.programme.phases import Phase
from domain.programme.task_policy import due_at
from domain.support import SupportArrangements


def open_phase(
    programme: Programme,
    participant_id: str,
    support: SupportArrangements,
    phase: Phase,
    started_at: datetime,
    earliest_end: datetime,
    time_scale: float,
) -> list[ParticipantEvent]:
    """Sign-off tasks are due when the task policy says, normally when the phase may end
    at the earliest: a later answer holds the participant back."""
    opened: list[ParticipantEvent] = [
        PhaseStarted(phase=phase, started_at=started_at, earliest_end=earliest_end)
    ]
    opened.extend(
        TaskOpened(
            task_id=sign_off.key,
            kind=sign_off.kind,
            title=sign_off.title,
            phase=phase,
            role=sign_off.role,
            assignee=support.person_for(sign_off.role, participant_id),
            opened_at=started_at,
            due_at=due_at(sign_off.kind, started_at, earliest_end, time_scale),
        )
        for sign_off in programme.sign_offs_for(phase)
    )
    return opened
