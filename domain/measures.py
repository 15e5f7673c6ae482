"""The scheme's success measures (Programme Manual, "Success measures"), worked out from
the record: quantitative (recruited, completed, in a Registered Manager post and retained
in the sector 12 and 24 months on), qualitative (survey and care feedback scores,
placement quality per home and provider across cohorts, with the homes flagged to ops)
and quality (the CQC ratings of graduates' services before and after they took the
post), and the growth of participants' leadership on the LQF.

Pure: the store hands in participants' and alumni states, the homes of the directory and
the CQC ratings on record; the report, the console and the CLI ask this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from statistics import fmean

from pydantic import BaseModel, ConfigDict

from domain.alumni.record import AlumniState
from domain.cqc import LocationRating, before_and_after
from domain.participant.events import FeedbackGiven, ParticipantEvent
from domain.participant.feedback_answers import FeedbackAnswer
from domain.participant.state import ParticipantState
from domain.people import Home
from domain.programme.alumni import Destination
from domain.programme.feedback import (
    ASSESSED_DIMENSIONS,
    EMPLOYER_SURVEY,
    FLAG_AFTER_PARTICIPANTS,
    LQF_ASSESSMENT,
    PARTICIPANT_SURVEY,
    PLACEMENT_RUBRIC,
    LqfPoint,
    dimension_of,
    poor_placement_rating,
)
from domain.programme.phases import ParticipantStatus
from domain.roles import Role

FOLLOW_UPS = (12, 24)  # months after leaving the measures look at


def _mean(values: Iterable[float]) -> float | None:
    listed = list(values)
    return round(fmean(listed), 2) if listed else None


class FollowUp(BaseModel):
    """Where a cohort's alumni said they were `months` after leaving."""

    model_config = ConfigDict(frozen=True)

    months: int
    asked: int  # alumni whose check-in has been asked by now
    answered: int
    in_rm_post: int
    retained: int  # in the sector: RM post, other management or another role in care


class CohortMeasures(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohort_id: str
    recruited: int
    completed: int
    withdrawn: int
    follow_ups: tuple[FollowUp, ...]
    registered_as_rm: int  # registration with CQC recorded
    participant_survey: float | None  # mean score, 1-5
    employer_survey: float | None
    care_feedback: float | None
    placement_quality: float | None


class PoorRating(BaseModel):
    """Evidence for a flag: one poor rating (its comment is in the event store only)."""

    model_config = ConfigDict(frozen=True)

    participant_id: str
    cohort_id: str | None
    task_id: str
    role: Role
    scores: dict[str, int]
    mean: float
    given_on: date


class PlaceQuality(BaseModel):
    """Placement ratings of one home (or outplacement host outside the directory)."""

    model_config = ConfigDict(frozen=True)

    place: str  # the home id, or the host's name
    name: str
    provider_id: str | None
    ratings: int
    participants: int
    criteria: dict[str, float]  # mean per criterion of the rubric
    mean: float
    poor: tuple[PoorRating, ...]

    @property
    def flagged(self) -> bool:
        """Poor ratings of the placements of enough different participants."""
        return len({p.participant_id for p in self.poor}) >= FLAG_AFTER_PARTICIPANTS


class ProviderQuality(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider_id: str
    homes: int
    ratings: int
    mean: float
    flagged_homes: int


class LqfGrowth(BaseModel):
    """Mean level (1-4) on one LQF dimension at one point: self-assessed, and by the
    three around the participant."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    title: str
    point: LqfPoint
    self_level: float | None
    others_level: float | None


class GraduateService(BaseModel):
    """A graduate in a Registered Manager post, and their service's CQC rating before and
    after they took it."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    cohort_id: str
    location_id: str
    location_name: str | None
    in_post_since: date | None
    before: LocationRating | None
    after: LocationRating | None


class SuccessMeasures(BaseModel):
    model_config = ConfigDict(frozen=True)

    cohorts: tuple[CohortMeasures, ...]
    places: tuple[PlaceQuality, ...]
    providers: tuple[ProviderQuality, ...]
    lqf: tuple[LqfGrowth, ...]
    services: tuple[GraduateService, ...]

    @property
    def flagged(self) -> tuple[PlaceQuality, ...]:
        return tuple(p for p in self.places if p.flagged)


# --- the parts -----------------------------------------------------------------------------


def _answers(participants: Sequence[ParticipantState], form: str) -> list[FeedbackAnswer]:
    return [a for p in participants for a in p.feedback if a.form == form]


def _follow_up(alumni: Sequence[AlumniState], months: int) -> FollowUp:
    number = next(i for i, m in enumerate((0, 6, 12, 24)) if m == months)
    asked = [a for a in alumni if number in a.check_ins]
    answers = [a.answer_at(months) for a in asked]
    given = [answer for answer in answers if answer is not None]
    return FollowUp(
        months=months,
        asked=len(asked),
        answered=len(given),
        in_rm_post=sum(1 for g in given if g.destination == Destination.REGISTERED_MANAGER),
        retained=sum(1 for g in given if g.destination.in_sector),
    )


def cohort_measures(
    cohort_id: str, participants: Sequence[ParticipantState], alumni: Sequence[AlumniState]
) -> CohortMeasures:
    statuses = [p.status for p in participants]
    return CohortMeasures(
        cohort_id=cohort_id,
        recruited=len(participants),
        completed=statuses.count(ParticipantStatus.COMPLETED),
        withdrawn=statuses.count(ParticipantStatus.WITHDRAWN),
        follow_ups=tuple(_follow_up(alumni, months) for months in FOLLOW_UPS),
        registered_as_rm=sum(1 for a in alumni if a.rm_registration is not None),
        participant_survey=_mean(a.mean for a in _answers(participants, PARTICIPANT_SURVEY.key)),
        employer_survey=_mean(a.mean for a in _answers(participants, EMPLOYER_SURVEY.key)),
        care_feedback=_mean(c.mean for p in participants for c in p.care_feedback),
        placement_quality=_mean(a.mean for a in _answers(participants, PLACEMENT_RUBRIC.key)),
    )


def rated_place(home_id: str | None, name: str | None) -> str:
    """What a placement rating is about: the home's id, or the host's name."""
    return home_id or name or "unknown"


def place_to_check(event: ParticipantEvent) -> str | None:
    """The home or host of a poor placement rating just given: whether it is flagged now
    is worked out across every participant's ratings, and ops told with the evidence."""
    if not isinstance(event, FeedbackGiven) or not poor_placement_rating(event.form, event.scores):
        return None
    return rated_place(event.place_home_id, event.place_name)


def place_quality(
    participants: Sequence[ParticipantState], homes: Mapping[str, Home]
) -> tuple[PlaceQuality, ...]:
    """Every home and host rated, across cohorts: the lowest mean first."""
    by_place: dict[str, list[tuple[ParticipantState, FeedbackAnswer]]] = defaultdict(list)
    for participant in participants:
        for answer in participant.feedback:
            if answer.form == PLACEMENT_RUBRIC.key:
                place = rated_place(answer.place_home_id, answer.place_name)
                by_place[place].append((participant, answer))
    places = []
    for place, rated in by_place.items():
        home = homes.get(place)
        answers = [answer for _, answer in rated]
        poor = tuple(
            PoorRating(
                participant_id=p.participant_id,
                cohort_id=p.cohort_id,
                task_id=a.task_id,
                role=a.role,
                scores=a.scores,
                mean=round(a.mean, 2),
                given_on=a.given_at.date(),
            )
            for p, a in rated
            if poor_placement_rating(a.form, a.scores)
        )
        places.append(
            PlaceQuality(
                place=place,
                name=home.name if home else place,
                provider_id=home.provider_id if home else None,
                ratings=len(answers),
                participants=len({p.participant_id for p, _ in rated}),
                criteria={
                    q: round(fmean(a.scores[q] for a in answers), 2)
                    for q in PLACEMENT_RUBRIC.question_keys()
                },
                mean=round(fmean(a.mean for a in answers), 2),
                poor=poor,
            )
        )
    return tuple(sorted(places, key=lambda p: (p.mean, p.place)))


def provider_quality(places: Sequence[PlaceQuality]) -> tuple[ProviderQuality, ...]:
    grouped: dict[str, list[PlaceQuality]] = defaultdict(list)
    for place in places:
        if place.provider_id is not None:
            grouped[place.provider_id].append(place)
    return tuple(
        ProviderQuality(
            provider_id=provider,
            homes=len(rated),
            ratings=sum(p.ratings for p in rated),
            mean=round(sum(p.mean * p.ratings for p in rated) / sum(p.ratings for p in rated), 2),
            flagged_homes=sum(1 for p in rated if p.flagged),
        )
        for provider, rated in sorted(grouped.items())
    )


def lqf_growth(answers: Iterable[FeedbackAnswer]) -> tuple[LqfGrowth, ...]:
    """Mean level per assessed dimension at each point, self and others apart."""
    levels: dict[tuple[str, str, bool], list[float]] = defaultdict(list)
    for answer in answers:
        if answer.form != LQF_ASSESSMENT.key:
            continue
        own = answer.role == Role.PARTICIPANT
        for element, level in answer.scores.items():
            levels[(dimension_of(element), answer.subject, own)].append(level)
    return tuple(
        LqfGrowth(
            dimension=d.key,
            title=d.title,
            point=point,
            self_level=_mean(levels.get((d.key, point.value, True), [])),
            others_level=_mean(levels.get((d.key, point.value, False), [])),
        )
        for d in ASSESSED_DIMENSIONS
        for point in LqfPoint
    )


def graduate_services(
    alumni: Sequence[AlumniState], cqc: Mapping[str, list[LocationRating]]
) -> tuple[GraduateService, ...]:
    """Alumni whose latest answer puts them in a Registered Manager post."""
    services = []
    for alumnus in alumni:
        latest = alumnus.latest_answer
        if latest is None or latest.destination != Destination.REGISTERED_MANAGER:
            continue
        location = latest.service_location_id
        if location is None:
            continue
        history = cqc.get(location, [])
        since = latest.in_post_since or (
            alumnus.rm_registration.registered_on if alumnus.rm_registration else None
        )
        before, after = before_and_after(history, since) if since else (None, None)
        services.append(
            GraduateService(
                person_id=alumnus.person_id,
                cohort_id=alumnus.opened().cohort_id,
                location_id=location,
                location_name=history[-1].location_name if history else None,
                in_post_since=since,
                before=before,
                after=after,
            )
        )
    return tuple(services)


def success_measures(
    participants: Sequence[ParticipantState],
    alumni: Sequence[AlumniState],
    homes: Mapping[str, Home],
    cqc: Mapping[str, list[LocationRating]],
) -> SuccessMeasures:
    by_cohort: dict[str, list[ParticipantState]] = defaultdict(list)
    for participant in participants:
        by_cohort[participant.cohort_id or ""].append(participant)
    alumni_by_cohort: dict[str, list[AlumniState]] = defaultdict(list)
    for alumnus in alumni:
        alumni_by_cohort[alumnus.opened().cohort_id].append(alumnus)
    places = place_quality(participants, homes)
    return SuccessMeasures(
        cohorts=tuple(
            cohort_measures(cohort, members, alumni_by_cohort.get(cohort, []))
            for cohort, members in sorted(by_cohort.items())
        ),
        places=places,
        providers=provider_quality(places),
        lqf=lqf_growth(a for p in participants for a in p.feedback),
        services=graduate_services(alumni, cqc),
    )


def _overall(rating: LocationRating | None) -> str:
    return rating.overall.value if rating is not None and rating.overall is not None else ""


def _shown(value: float | int | None) -> str:
    return "" if value is None else str(value)


def measures_rows(measures: SuccessMeasures) -> list[tuple[str, str, str, str, str]]:
    """The measures as (section, subject, measure, breakdown, value) rows: one table for
    CSV, spreadsheets and the terminal."""
    rows: list[tuple[str, str, str, str, str]] = []
    for c in measures.cohorts:
        subject = c.cohort_id
        rows += [
            ("quantitative", subject, "recruited", "", str(c.recruited)),
            ("quantitative", subject, "completed", "", str(c.completed)),
            ("quantitative", subject, "withdrawn", "", str(c.withdrawn)),
            ("quantitative", subject, "registered_as_rm", "", str(c.registered_as_rm)),
        ]
        for f in c.follow_ups:
            at = f"{f.months} months"
            rows += [
                ("quantitative", subject, "alumni_asked", at, str(f.asked)),
                ("quantitative", subject, "alumni_answered", at, str(f.answered)),
                ("quantitative", subject, "in_rm_post", at, str(f.in_rm_post)),
                ("quantitative", subject, "retained_in_sector", at, str(f.retained)),
            ]
        rows += [
            (
                "qualitative",
                subject,
                "participant_survey",
                "mean 1-5",
                _shown(c.participant_survey),
            ),
            ("qualitative", subject, "employer_survey", "mean 1-5", _shown(c.employer_survey)),
            ("qualitative", subject, "care_feedback", "mean 1-5", _shown(c.care_feedback)),
            ("qualitative", subject, "placement_quality", "mean 1-5", _shown(c.placement_quality)),
        ]
    for p in measures.places:
        rows += [
            ("placement_quality", p.name, "ratings", p.provider_id or "", str(p.ratings)),
            ("placement_quality", p.name, "mean", p.provider_id or "", str(p.mean)),
            ("placement_quality", p.name, "poor_ratings", p.provider_id or "", str(len(p.poor))),
            (
                "placement_quality",
                p.name,
                "flagged",
                p.provider_id or "",
                "yes" if p.flagged else "no",
            ),
        ]
    for provider in measures.providers:
        rows += [
            ("provider_quality", provider.provider_id, "mean", "", str(provider.mean)),
            (
                "provider_quality",
                provider.provider_id,
                "flagged_homes",
                "",
                str(provider.flagged_homes),
            ),
        ]
    for g in measures.lqf:
        rows += [
            ("lqf_growth", g.title, "self", g.point.value, _shown(g.self_level)),
            ("lqf_growth", g.title, "others", g.point.value, _shown(g.others_level)),
        ]
    for s in measures.services:
        rows += [
            ("cqc", s.person_id, "before", s.location_id, _overall(s.before)),
            ("cqc", s.person_id, "after", s.location_id, _overall(s.after)),
        ]
    return rows
