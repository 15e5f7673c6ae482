"""What a programme change would do to a running participant, before it is made.

The participant's state (the fold of their events) is asked for the change as ops would
ask it (`decide`, by their ops lead): a refusal is the preview, with its reason.
An allowed change is folded in, and the phases still ahead are compared under the two
versions: sign-offs and reports asked for (added, removed, retitled), outplacements, and
the nominal dates each phase may end at the earliest. Nothing is recorded.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.errors import DomainError
from domain.instants import UtcDatetime
from domain.participant.commands import ChangeProgramme
from domain.participant.decide import decide
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState
from domain.programme.definition import Programme
from domain.programme.phases import Phase
from domain.roles import Role
from domain.timescale import scaled


class TaskChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    RETITLED = "retitled"


class TaskChange(BaseModel):
    """A sign-off or report a phase ahead would ask for, no longer ask for, or call
    differently."""

    model_config = ConfigDict(frozen=True)

    phase: Phase
    key: str
    change: TaskChangeKind
    title: str
    was: str | None = None  # the title before, when retitled


class DateChange(BaseModel):
    """A phase ahead whose earliest end would move."""

    model_config = ConfigDict(frozen=True)

    phase: Phase
    before: UtcDatetime
    after: UtcDatetime


class ProgrammePreview(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    phase: Phase | None
    from_version: str
    to_version: str
    refused: str | None = None  # the rule's own words, when the change is not allowed
    tasks: tuple[TaskChange, ...] = ()
    dates: tuple[DateChange, ...] = ()
    # How the phases ahead are worked, where that changes: the work on record, signed
    # progress reviews, feedback asked for.
    ways: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        return self.refused is None and not self.tasks and not self.dates and not self.ways

    def lines(self) -> list[str]:
        """One line a change, as the CLI prints them."""
        if self.refused is not None:
            return [f"refused: {self.refused}"]
        if self.unchanged:
            return ["no change to the phases ahead"]
        shown = [_task_line(change) for change in self.tasks] + list(self.ways)
        shown += [
            f"{d.phase.label} ends at the earliest {d.after:%Y-%m-%d} (was {d.before:%Y-%m-%d})"
            for d in self.dates
        ]
        return shown


def _task_line(change: TaskChange) -> str:
    if change.change is TaskChangeKind.RETITLED:
        return f"{change.phase.label}: {change.key} retitled {change.title!r} (was {change.was!r})"
    return f"{change.phase.label}: {change.key} {change.change.value}: {change.title}"


def preview_programme_change(
    state: ParticipantState, to_version: str, now: datetime
) -> ProgrammePreview:
    """What moving the participant onto `to_version` at `now` would change, or why it
    would be refused."""
    before = state.programme
    command = ChangeProgramme(
        to_version=to_version, by=state.person_for(Role.OPS), reason="preview"
    )
    try:
        events = decide(state, command, now)
    except DomainError as refused:
        return ProgrammePreview(
            participant_id=state.participant_id,
            phase=state.phase,
            from_version=before.version,
            to_version=to_version,
            refused=str(refused),
        )
    # What the timetable records by `now` comes first; the change is the last event.
    caught_up = state
    for event in events[:-1]:
        caught_up = evolve(caught_up, event)
    after = evolve(caught_up, events[-1]).programme
    ahead = _phases_ahead(before, caught_up.phase)
    return ProgrammePreview(
        participant_id=state.participant_id,
        phase=caught_up.phase,
        from_version=before.version,
        to_version=to_version,
        tasks=tuple(change for phase in ahead for change in _task_changes(before, after, phase)),
        dates=_date_changes(caught_up, before, after, ahead),
        ways=_ways(before, after) if ahead else (),
    )


def _ways(before: Programme, after: Programme) -> tuple[str, ...]:
    changed = []
    if before.signed_reviews != after.signed_reviews:
        how = "a form signed by all three" if after.signed_reviews else "one approval"
        changed.append(f"progress reviews become {how}")
    evidence = [any(s.evidence for d in p.phases for s in d.sign_offs) for p in (before, after)]
    if evidence[0] != evidence[1]:
        how = "handed in through the engine" if evidence[1] else "no longer on record"
        changed.append(f"the work behind sign-offs (evidence, reports) is {how}")
    if before.feedback != after.feedback:
        how = "asked for" if after.feedback else "no longer asked for"
        changed.append(f"ratings, surveys and LQF assessments are {how}")
    return tuple(changed)


def _phases_ahead(programme: Programme, phase: Phase | None) -> list[Phase]:
    order = [definition.phase for definition in programme.phases]
    return order if phase is None else order[order.index(phase) + 1 :]


def _requirements(programme: Programme, phase: Phase) -> dict[str, str]:
    return {
        key: programme.requirement_title(phase, key) for key in programme.requirements_for(phase)
    }


def _task_changes(before: Programme, after: Programme, phase: Phase) -> list[TaskChange]:
    old, new = _requirements(before, phase), _requirements(after, phase)
    changes = [
        TaskChange(phase=phase, key=key, change=TaskChangeKind.REMOVED, title=title)
        for key, title in old.items()
        if key not in new
    ]
    for key, title in new.items():
        if key not in old:
            changes.append(
                TaskChange(phase=phase, key=key, change=TaskChangeKind.ADDED, title=title)
            )
        elif old[key] != title:
            changes.append(
                TaskChange(
                    phase=phase, key=key, change=TaskChangeKind.RETITLED, title=title, was=old[key]
                )
            )
    return changes


def _date_changes(
    state: ParticipantState, before: Programme, after: Programme, ahead: list[Phase]
) -> tuple[DateChange, ...]:
    start = state.phase_earliest_end or state.programme_start
    if start is None:
        return ()
    old_end = new_end = start
    moved: list[DateChange] = []
    for phase in ahead:
        old_end += scaled(before.phase(phase).duration, state.time_scale)
        new_end += scaled(after.phase(phase).duration, state.time_scale)
        if old_end != new_end:
            moved.append(DateChange(phase=phase, before=old_end, after=new_end))
    return tuple(moved)
