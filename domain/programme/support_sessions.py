"""Coaching and mentoring as programme data (Programme Manual 1.5): the independent
coach's structured coaching programme and the employer mentor's structured mentoring
programme, how often each expects a session, from which phase, and the themes a session
is recorded under."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.programme.phases import Phase
from domain.roles import Role


class SessionKind(StrEnum):
    COACHING = "coaching"
    MENTORING = "mentoring"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SessionTheme(StrEnum):
    """What a session covered: the five Leadership Qualities Framework dimensions for a
    front-line leader, and the programme's own ground. A fixed list, so that sessions can
    be counted by theme; what was said goes in the notes."""

    PERSONAL_QUALITIES = "personal_qualities"
    WORKING_WITH_OTHERS = "working_with_others"
    MANAGING_SERVICES = "managing_services"
    IMPROVING_SERVICES = "improving_services"
    SETTING_DIRECTION = "setting_direction"
    CARE_PRACTICE = "care_practice"
    LEARNING = "learning"
    OUTPLACEMENTS = "outplacements"
    WELLBEING = "wellbeing"
    CAREER = "career"

    @property
    def label(self) -> str:
        return _THEME_LABELS[self]


_THEME_LABELS = {
    SessionTheme.PERSONAL_QUALITIES: "Personal qualities and self-awareness",
    SessionTheme.WORKING_WITH_OTHERS: "Working with others and leading teams",
    SessionTheme.MANAGING_SERVICES: "Managing services: rotas, resources, supervision",
    SessionTheme.IMPROVING_SERVICES: "Improving services and safety",
    SessionTheme.SETTING_DIRECTION: "Setting direction and making decisions",
    SessionTheme.CARE_PRACTICE: "Care practice and the Care Certificate",
    SessionTheme.LEARNING: "Diplomas and learning",
    SessionTheme.OUTPLACEMENTS: "Outplacements",
    SessionTheme.WELLBEING: "Wellbeing and resilience",
    SessionTheme.CAREER: "Career and the Registered Manager route",
}

# A longer session is more likely a slip of the keyboard (minutes typed as seconds).
MAX_SESSION_MINUTES = 8 * 60


class SessionCadence(BaseModel):
    """One session of `kind`, held by whoever holds `held_by` for the participant, is
    expected every `every` (nominal programme time), from the start of `from_phase`."""

    model_config = ConfigDict(frozen=True)

    kind: SessionKind
    held_by: Role
    every: timedelta
    described: str  # "monthly", as people say it
    from_phase: Phase


SESSION_CADENCES: tuple[SessionCadence, ...] = (
    # Both programmes run alongside the work in the home, from the first placement: the
    # manual's "supported by coaching, mentoring and other tools" (1.2).
    SessionCadence(
        kind=SessionKind.COACHING,
        held_by=Role.COACH,
        every=timedelta(weeks=4),
        described="monthly",
        from_phase=Phase.CARE_PLACEMENT,
    ),
    SessionCadence(
        kind=SessionKind.MENTORING,
        held_by=Role.EMPLOYER_MENTOR,
        every=timedelta(weeks=2),
        described="fortnightly",
        from_phase=Phase.CARE_PLACEMENT,
    ),
)
