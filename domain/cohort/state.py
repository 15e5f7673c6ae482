"""A cohort's state, folded from its events, and the summary ops staff watch: who is in
which phase, who is at risk, and conference attendance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.cohort.events import (
    CohortEvent,
    CohortOpened,
    ConferenceAttendanceRecorded,
    ConferenceScheduled,
    CoursePartnersPaired,
    ParticipantJoined,
    ParticipantProgressed,
)
from domain.cohort.headcount import headcount
from domain.errors import InconsistentHistory
from domain.instants import UtcDatetime
from domain.participant.standing import Standing
from domain.programme.phases import ParticipantStatus, Phase
from domain.rag import RagStatus


class MemberProgress(BaseModel):
    """The cohort's view of one participant, as last reported by their workflow."""

    model_config = ConfigDict(frozen=True)

    participant_id: str
    home_id: str
    phase: Phase | None = Phase.ENROLMENT
    rag: RagStatus = RagStatus.GREEN
    status: ParticipantStatus = ParticipantStatus.ACTIVE
    course_partners: tuple[str, ...] = ()

    @property
    def standing(self) -> Standing:
        return Standing(status=self.status, phase=self.phase, rag=self.rag)


class ConferenceRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    title: str
    starts_on: UtcDatetime
    ends_on: UtcDatetime
    attended: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    recorded_by: str | None = None

    def is_coming(self, now: datetime) -> bool:
        """Still running or yet to start. A conference runs from `starts_on` until, not
        including, `ends_on` (the start plus its length), so at `ends_on` it is over."""
        return self.ends_on > now


class CohortSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    hub: str | None
    participants: int
    per_phase: dict[Phase, int]  # those on the programme
    at_risk: int  # on the programme with an amber or red RAG
    withdrawn: int
    completed: int
    conferences: tuple[ConferenceRecord, ...]


class CohortState(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    opening: CohortOpened | None = None
    members: dict[str, MemberProgress] = {}
    conferences: dict[int, ConferenceRecord] = {}
    version: int = 0

    def coming_conferences(self, now: datetime) -> tuple[ConferenceRecord, ...]:
        """The conferences still running or yet to start, the soonest first."""
        coming = (c for c in self.conferences.values() if c.is_coming(now))
        return tuple(sorted(coming, key=lambda c: c.starts_on))

    def summary(self) -> CohortSummary:
        counted = headcount((m.standing, 1) for m in self.members.values())
        return CohortSummary(
            cohort_id=self.cohort_id,
            hub=self.opening.hub if self.opening else None,
            participants=counted.participants,
            per_phase=counted.per_phase,
            at_risk=counted.at_risk,
            withdrawn=counted.per_status.get(ParticipantStatus.WITHDRAWN, 0),
            completed=counted.per_status.get(ParticipantStatus.COMPLETED, 0),
            conferences=tuple(self.conferences[n] for n in sorted(self.conferences)),
        )


def initial_cohort_state(cohort_id: str) -> CohortState:
    return CohortState(cohort_id=cohort_id)


def evolve_cohort(state: CohortState, event: CohortEvent) -> CohortState:
    return state.model_copy(update={**_changes(state, event), "version": state.version + 1})


def fold_cohort(events: Iterable[CohortEvent], cohort_id: str) -> CohortState:
    state = initial_cohort_state(cohort_id)
    for event in events:
        state = evolve_cohort(state, event)
    return state


def _changes(state: CohortState, event: CohortEvent) -> dict[str, object]:
    match event:
        case CohortOpened():
            return {"opening": event}
        case ParticipantJoined():
            member = MemberProgress(participant_id=event.participant_id, home_id=event.home_id)
            return {"members": {**state.members, event.participant_id: member}}
        case CoursePartnersPaired():
            return {
                "members": {
                    pid: member.model_copy(update={"course_partners": event.partners.get(pid, ())})
                    for pid, member in state.members.items()
                }
            }
        case ConferenceScheduled():
            record = ConferenceRecord(
                number=event.number,
                title=event.title,
                starts_on=event.starts_on,
                ends_on=event.ends_on,
            )
            return {"conferences": {**state.conferences, event.number: record}}
        case ConferenceAttendanceRecorded():
            recorded = _conference(state, event.number).model_copy(
                update={
                    "attended": event.attended,
                    "absent": event.absent,
                    "recorded_by": event.recorded_by,
                }
            )
            return {"conferences": {**state.conferences, event.number: recorded}}
        case ParticipantProgressed():
            progressed = _member(state, event.participant_id).model_copy(
                update={"phase": event.phase, "rag": event.rag, "status": event.status}
            )
            return {"members": {**state.members, event.participant_id: progressed}}


def _conference(state: CohortState, number: int) -> ConferenceRecord:
    try:
        return state.conferences[number]
    except KeyError:
        raise InconsistentHistory(f"conference {number} was never scheduled") from None


def _member(state: CohortState, participant_id: str) -> MemberProgress:
    try:
        return state.members[participant_id]
    except KeyError:
        raise InconsistentHistory(
            f"participant {participant_id} progressed but never joined cohort {state.cohort_id}"
        ) from None
