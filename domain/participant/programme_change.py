"""Moving a running participant onto another programme version (docs/versioning.md).

A participant follows the version they enrolled on. When a change must reach them (a
standard withdrawn, a new Care Certificate), ops move them explicitly, and the record
says from when they followed what. The phases still ahead follow the new version; the
phase they are in must be the same in both, so no task already open or signed off
changes meaning under them. Otherwise the change waits for the end of the phase.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import PersonNotAllowed, ProgrammeChangeRefused
from domain.participant.commands import ChangeProgramme
from domain.participant.events import ParticipantEvent, ProgrammeVersionChanged
from domain.participant.state import ParticipantState
from domain.programme.definition import Programme, get_programme
from domain.programme.phases import Phase
from domain.programme.tasks import TaskKind
from domain.roles import Role


def change_programme(
    state: ParticipantState, command: ChangeProgramme, now: datetime
) -> list[ParticipantEvent]:
    ops = state.person_for(Role.OPS)
    if command.by != ops:
        raise PersonNotAllowed(
            f"{command.by} may not change the programme of participant {state.participant_id}: "
            f"only their ops lead {ops} may"
        )
    current = state.programme
    if command.to_version == current.version:
        raise ProgrammeChangeRefused(
            f"participant {state.participant_id} already follows programme {current.version}"
        )
    target = get_programme(command.to_version)
    if [d.phase for d in target.phases] != [d.phase for d in current.phases]:
        raise ProgrammeChangeRefused(
            f"programme {target.version} has other phases than {current.version}: "
            "a participant cannot be moved between them"
        )
    phase = state.phase
    if phase is not None and not _same_phase(current, target, phase):
        raise ProgrammeChangeRefused(
            f"participant {state.participant_id} is in the {phase.label} phase, whose "
            f"sign-offs differ between programmes {current.version} and {target.version}: "
            "change the programme once that phase is over"
        )
    open_review = next(
        (task for task in state.open_tasks if task.kind == TaskKind.PROGRESS_REVIEW), None
    )
    if open_review is not None and current.signed_reviews != target.signed_reviews:
        raise ProgrammeChangeRefused(
            f"participant {state.participant_id}'s {open_review.title} is open, and programmes "
            f"{current.version} and {target.version} hold reviews differently (a signed form "
            "or one approval): change the programme once it is closed"
        )
    return [
        ProgrammeVersionChanged(
            from_version=current.version,
            to_version=target.version,
            by=command.by,
            reason=command.reason,
            changed_at=max(now, state.as_of or now),
        )
    ]


def _same_phase(one: Programme, other: Programme, phase: Phase) -> bool:
    """Whether `phase` asks the same of a participant in both programmes: its length,
    share of management time, sign-offs and outplacements."""
    return one.phase(phase) == other.phase(phase) and one.outplacements_in(
        phase
    ) == other.outplacements_in(phase)
