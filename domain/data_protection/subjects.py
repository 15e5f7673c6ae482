"""Whose personal content each stream holds, and where each type of event holds it.

A participant is the data subject of their own stream, of their intervention case files
and of their alumni record: everything written there (by them or by the people around
them) is encrypted under their key. Cohort streams and the data-protection stream hold
no personal content.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel

from domain.alumni.events import AlumniEvent
from domain.cohort.events import CohortEvent
from domain.data_protection.personal import PersonalFields, personal_fields
from domain.ids import ALUMNI_PREFIX, INTERVENTION_PREFIX, PARTICIPANT_PREFIX
from domain.intervention.case import CaseEvent
from domain.participant.events import ParticipantEvent


def _event_classes(union: Any) -> list[type[BaseModel]]:
    return list(get_args(get_args(union)[0]))


# Event type -> where it holds personal content; types without any are left out.
PERSONAL_FIELDS: dict[str, PersonalFields] = {
    str(model.model_fields["type"].default): fields
    for union in (ParticipantEvent, CaseEvent, AlumniEvent, CohortEvent)
    for model in _event_classes(union)
    if (fields := personal_fields(model))
}


def subject_of(stream: str) -> str | None:
    """The person whose personal content the stream holds, if any."""
    if stream.startswith(PARTICIPANT_PREFIX):
        return stream.removeprefix(PARTICIPANT_PREFIX)
    if stream.startswith(INTERVENTION_PREFIX):
        # intervention-<participant>-<case number>; participant ids may hold dashes
        return stream.removeprefix(INTERVENTION_PREFIX).rsplit("-", 1)[0]
    if stream.startswith(ALUMNI_PREFIX):
        return stream.removeprefix(ALUMNI_PREFIX)
    return None
