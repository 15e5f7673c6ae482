"""A cohort: about 30 participants at one regional hub who start the Summer Institute
together. Its definition is validated as ops enter it; opening it records the members,
their course partners and the conference dates (domain.cohort.events), folded into its
state by domain.cohort.state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.cohort.course_partners import pair_course_partners
from domain.cohort.events import (
    CohortEvent,
    CohortOpened,
    ConferenceAttendanceRecorded,
    ConferenceScheduled,
    CoursePartnersPaired,
    ParticipantJoined,
)
from domain.cohort.state import (
    CohortState,
)
from domain.errors import (
    ContradictoryAttendance,
    DuplicateParticipant,
    HomeTooSmall,
    NotInCohort,
    PersonNotAllowed,
    UnknownConference,
)
from domain.instants import UtcDatetime, require_utc
from domain.participant.commands import Enrol
from domain.programme.definition import CURRENT_PROGRAMME_VERSION, get_programme
from domain.support import SupportArrangements
from domain.timescale import TimeScale, scaled

# Advice from similar schemes (Programme Manual 1.2): never one participant alone in a home.
MIN_PARTICIPANTS_PER_HOME = 2


def homes_too_small(home_of_each_participant: Iterable[str]) -> dict[str, int]:
    """Homes with fewer than MIN_PARTICIPANTS_PER_HOME participants, and how many they have."""
    homes = Counter(home_of_each_participant)
    return {
        home_id: count
        for home_id, count in sorted(homes.items())
        if count < MIN_PARTICIPANTS_PER_HOME
    }


def home_too_small(home_id: str, count: int) -> str:
    return (
        f"home {home_id} has {count} scheme participant{'' if count == 1 else 's'}; "
        f"at least {MIN_PARTICIPANTS_PER_HOME} are needed"
    )


class ParticipantEnrolmentInput(BaseModel):
    """One participant as ops enter them: their home and the people supporting them."""

    model_config = ConfigDict(frozen=True)

    participant_id: str
    home_id: str
    registered_manager: str
    employer_mentor: str
    development_lead: str
    coach: str
    assessor: str


class CohortDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    hub: str
    start_date: UtcDatetime  # the Summer Institute's first day
    programme_version: str = CURRENT_PROGRAMME_VERSION
    time_scale: TimeScale = 1.0
    ops_lead: str
    institute_lead: str
    participants: tuple[ParticipantEnrolmentInput, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_scheme_rules(self) -> CohortDefinition:
        # DomainErrors pass through pydantic unwrapped, so callers see the scheme's message.
        get_programme(self.programme_version)
        ids = Counter(p.participant_id for p in self.participants)
        for participant_id, count in sorted(ids.items()):
            if count > 1:
                raise DuplicateParticipant(
                    f"participant {participant_id} appears {count} times in cohort {self.cohort_id}"
                )
        for home_id, count in homes_too_small(p.home_id for p in self.participants).items():
            raise HomeTooSmall(home_too_small(home_id, count))
        return self

    def course_partners(self) -> dict[str, tuple[str, ...]]:
        return pair_course_partners(
            (p.participant_id for p in self.participants),
            {p.participant_id: p.home_id for p in self.participants},
        )


def enrolments(definition: CohortDefinition) -> tuple[Enrol, ...]:
    """The Enrol command for each participant, with their course partners."""
    partners = definition.course_partners()
    return tuple(
        Enrol(
            participant_id=p.participant_id,
            cohort_id=definition.cohort_id,
            programme_version=definition.programme_version,
            time_scale=definition.time_scale,
            programme_start=definition.start_date,
            home_id=p.home_id,
            support=SupportArrangements(
                registered_manager=p.registered_manager,
                employer_mentor=p.employer_mentor,
                development_lead=p.development_lead,
                coach=p.coach,
                assessor=p.assessor,
                institute_lead=definition.institute_lead,
                ops_lead=definition.ops_lead,
                course_partners=partners[p.participant_id],
            ),
        )
        for p in definition.participants
    )


def conference_schedule(definition: CohortDefinition) -> tuple[ConferenceScheduled, ...]:
    """The cohort's conference dates, compressed by its time scale like everything else."""
    programme = get_programme(definition.programme_version)
    schedule = []
    for conference in programme.conferences:
        starts_on = definition.start_date + scaled(
            timedelta(weeks=conference.weeks_after_programme_start), definition.time_scale
        )
        schedule.append(
            ConferenceScheduled(
                number=conference.number,
                title=conference.title,
                starts_on=starts_on,
                ends_on=starts_on + scaled(conference.duration, definition.time_scale),
            )
        )
    return tuple(schedule)


def open_cohort(definition: CohortDefinition, now: datetime) -> list[CohortEvent]:
    """Everything known when ops open a cohort: its members, partners and conferences."""
    now = require_utc(now)
    opened: list[CohortEvent] = [
        CohortOpened(
            cohort_id=definition.cohort_id,
            hub=definition.hub,
            start_date=definition.start_date,
            programme_version=definition.programme_version,
            time_scale=definition.time_scale,
            ops_lead=definition.ops_lead,
            opened_at=now,
        )
    ]
    opened.extend(
        ParticipantJoined(participant_id=p.participant_id, home_id=p.home_id, joined_at=now)
        for p in definition.participants
    )
    opened.append(CoursePartnersPaired(partners=definition.course_partners(), paired_at=now))
    opened.extend(conference_schedule(definition))
    return opened


def record_attendance(
    state: CohortState,
    number: int,
    attended: tuple[str, ...],
    absent: tuple[str, ...],
    recorded_by: str,
    now: datetime,
) -> list[CohortEvent]:
    """Who came to a conference, as the cohort's ops lead records it. What is recorded
    adds to what is on record: a participant named again is recorded as now said, and
    the event holds the conference's whole attendance. Refuses anyone but the ops lead,
    unknown conferences and people not in the cohort."""
    ops_lead = state.opening.ops_lead if state.opening else None
    if recorded_by != ops_lead:
        raise PersonNotAllowed(
            f"{recorded_by} may not record attendance at the conferences of cohort "
            f"{state.cohort_id}: only its ops lead {ops_lead} may"
        )
    if number not in state.conferences:
        scheduled = ", ".join(str(n) for n in sorted(state.conferences)) or "none"
        raise UnknownConference(
            f"cohort {state.cohort_id} has no conference {number} (scheduled: {scheduled})"
        )
    strangers = sorted((set(attended) | set(absent)) - set(state.members))
    if strangers:
        raise NotInCohort(
            f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not in "
            f"cohort {state.cohort_id}"
        )
    both = sorted(set(attended) & set(absent))
    if both:
        raise ContradictoryAttendance(
            f"{', '.join(both)} cannot be recorded as both attending and absent"
        )
    on_record = state.conferences[number]
    return [
        ConferenceAttendanceRecorded(
            number=number,
            attended=tuple(sorted((set(on_record.attended) - set(absent)) | set(attended))),
            absent=tuple(sorted((set(on_record.absent) - set(attended)) | set(absent))),
            recorded_by=recorded_by,
            recorded_at=require_utc(now),
        )
    ]
