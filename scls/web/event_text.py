"""A participant's events in plain words, for the event timeline and a task's context:
the same one-line summaries as the command line's timeline, with people's names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.participant.event_summary import summarise
from domain.participant.events import ParticipantEvent


def people_named(events: Iterable[ParticipantEvent]) -> set[str]:
    """The person ids the events' lines mention, to look their names up in one go."""
    named: set[str] = set()

    def note(person_id: str) -> str:
        named.add(person_id)
        return person_id

    for event in events:
        summarise(event, note)
    return named


def describe(event: ParticipantEvent, names: Mapping[str, str]) -> str:
    line = summarise(event, lambda person_id: names.get(person_id, person_id))
    return line[:1].upper() + line[1:]
