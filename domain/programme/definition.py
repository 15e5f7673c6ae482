"""The programme as versioned data: its phases, what each needs signed off to end, the
outplacements, conferences and review rhythm.

A participant's workflow pins the version it started with, so versions are never edited
in place: a change to the programme is a new version here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import UnknownProgrammeVersion
from domain.programme.care_certificate import (
    CARE_CERTIFICATE_STANDARDS,
    CareCertificateStandard,
    CareCertificateVersion,
)
from domain.programme.conferences import CONFERENCES, ConferenceDefinition
from domain.programme.feedback import FEEDBACK_PLAN, FeedbackPlan
from domain.programme.level5 import LEVEL5_TOPICS, Level5Topic
from domain.programme.outplacements import OUTPLACEMENTS, OutplacementDefinition, OutplacementKind
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.support_sessions import SESSION_CADENCES, SessionCadence, SessionKind
from domain.programme.tasks import TaskKind, care_certificate_id, outplacement_report_id
from domain.roles import Role
from domain.support import SUPPORT_ROLES, SupportRole
from domain.timescale import scaled

__all__ = [
    "CURRENT_PROGRAMME_VERSION",
    "PROGRAMMES",
    "ConferenceDefinition",
    "OutplacementDefinition",
    "OutplacementKind",
    "ParticipantStatus",
    "Phase",
    "PhaseDefinition",
    "Programme",
    "Role",
    "SignOffDefinition",
    "get_programme",
    "scaled",
]


class SignOffDefinition(BaseModel):
    """A signature a phase needs before it can end; its key is also its task id."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    role: Role
    kind: TaskKind
    # The participant hands in evidence for it, and the signer answers on that evidence
    # (approve, or send it back to the participant with a reason).
    evidence: bool = False


class PhaseDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    title: str
    duration: timedelta  # nominal; enrolment has none, it ends at the cohort's start date
    management_share: float = Field(ge=0.0, le=1.0)  # time off the floor for management
    sign_offs: tuple[SignOffDefinition, ...]


class Programme(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    title: str
    care_certificate_version: CareCertificateVersion
    phases: tuple[PhaseDefinition, ...]
    outplacements: tuple[OutplacementDefinition, ...]
    conferences: tuple[ConferenceDefinition, ...]
    progress_review_interval: timedelta  # when each review opens; task_policy: when due
    # Each progress review is a form the Development Lead fills in and the participant,
    # their employer and the Development Lead sign; without, one approval by the lead.
    signed_reviews: bool = False
    level5_topics: tuple[Level5Topic, ...]
    support_roles: tuple[SupportRole, ...]
    session_cadences: tuple[SessionCadence, ...]  # coaching and mentoring
    # Ratings, surveys and LQF assessments for the success measures; None: none asked.
    feedback: FeedbackPlan | None = None

    @property
    def care_certificate_standards(self) -> tuple[CareCertificateStandard, ...]:
        return CARE_CERTIFICATE_STANDARDS[self.care_certificate_version]

    @property
    def total_duration(self) -> timedelta:
        return sum((definition.duration for definition in self.phases), timedelta())

    def phase(self, phase: Phase) -> PhaseDefinition:
        return next(definition for definition in self.phases if definition.phase == phase)

    def next_phase(self, phase: Phase) -> Phase | None:
        order = [definition.phase for definition in self.phases]
        position = order.index(phase) + 1
        return order[position] if position < len(order) else None

    def session_cadence(self, kind: SessionKind) -> SessionCadence:
        return next(cadence for cadence in self.session_cadences if cadence.kind == kind)

    def sign_offs_for(self, phase: Phase) -> tuple[SignOffDefinition, ...]:
        return self.phase(phase).sign_offs

    def sign_off(self, phase: Phase, key: str) -> SignOffDefinition | None:
        return next((s for s in self.sign_offs_for(phase) if s.key == key), None)

    def outplacement(self, number: int) -> OutplacementDefinition:
        return next(o for o in self.outplacements if o.number == number)

    def outplacements_in(self, phase: Phase) -> tuple[OutplacementDefinition, ...]:
        return tuple(o for o in self.outplacements if o.phase == phase)

    def requirement_title(self, phase: Phase, key: str) -> str:
        """What a requirement of `phase` (a key of `requirements_for`) is called."""
        for sign_off in self.sign_offs_for(phase):
            if sign_off.key == key:
                return sign_off.title
        for outplacement in self.outplacements_in(phase):
            if outplacement_report_id(outplacement.number) == key:
                return outplacement.report_title
        raise KeyError(f"{key} is not a requirement of the {phase.label} phase")

    def requirements_for(self, phase: Phase) -> tuple[str, ...]:
        """Task keys that must be approved to end the phase: its sign-offs, then the
        reports of its outplacements."""
        return tuple(s.key for s in self.sign_offs_for(phase)) + tuple(
            outplacement_report_id(o.number)
            for o in self.outplacements_in(phase)
            if o.report_required
        )


def _sign_off(
    key: str, title: str, role: Role, kind: TaskKind, evidence: bool = False
) -> SignOffDefinition:
    return SignOffDefinition(key=key, title=title, role=role, kind=kind, evidence=evidence)


def _phases(
    care_certificate_version: CareCertificateVersion, work_on_record: bool
) -> tuple[PhaseDefinition, ...]:
    standards = CARE_CERTIFICATE_STANDARDS[care_certificate_version]
    return (
        PhaseDefinition(
            phase=Phase.ENROLMENT,
            title="Enrolment",
            duration=timedelta(),
            management_share=0.0,
            sign_offs=(
                _sign_off(
                    "pre_start_checks",
                    "Pre-start checks: selection, enhanced DBS, employer and home",
                    Role.OPS,
                    TaskKind.PRE_START_CHECKS,
                ),
            ),
        ),
        PhaseDefinition(
            phase=Phase.SUMMER_INSTITUTE,
            title="Summer Institute",
            duration=timedelta(weeks=7),  # the manual says 6-8 weeks
            management_share=0.0,
            sign_offs=(
                _sign_off(
                    "institute_completion",
                    "Summer Institute completed",
                    Role.INSTITUTE_LEAD,
                    TaskKind.INSTITUTE_COMPLETION,
                ),
            ),
        ),
        PhaseDefinition(
            phase=Phase.CARE_PLACEMENT,
            title="Hands-on care work experience",
            duration=timedelta(weeks=13),
            management_share=0.0,
            sign_offs=(
                *(
                    _sign_off(
                        care_certificate_id(standard.number),
                        f"Care Certificate standard {standard.number}: {standard.title}",
                        Role.ASSESSOR,
                        TaskKind.CARE_CERTIFICATE_STANDARD,
                        evidence=work_on_record,
                    )
                    for standard in standards
                ),
                _sign_off(
                    "placement_review",
                    "First placement review",
                    Role.REGISTERED_MANAGER,
                    TaskKind.PLACEMENT_REVIEW,
                ),
            ),
        ),
        PhaseDefinition(
            phase=Phase.FIRST_LINE_MANAGEMENT,
            title="First-line management experience (80/20)",
            duration=timedelta(weeks=32),  # the rest of year one
            management_share=0.2,
            sign_offs=(
                _sign_off(
                    "level3_diploma",
                    "Level 3 Diploma in Adult Care achieved",
                    Role.ASSESSOR,
                    TaskKind.DIPLOMA_RESULT,
                ),
                _sign_off(
                    "phase_review.first_line_management",
                    "First-line management phase review",
                    Role.DEVELOPMENT_LEAD,
                    TaskKind.PHASE_REVIEW,
                ),
            ),
        ),
        PhaseDefinition(
            phase=Phase.TOWARDS_REGISTERED_MANAGER,
            title="Towards Registered Manager status (60/40)",
            duration=timedelta(weeks=44),
            management_share=0.4,
            sign_offs=(
                _sign_off(
                    "level5_diploma",
                    "Level 5 Diploma in Leading and Managing an Adult Care Service achieved",
                    Role.ASSESSOR,
                    TaskKind.DIPLOMA_RESULT,
                ),
                _sign_off(
                    "phase_review.towards_registered_manager",
                    "Towards Registered Manager phase review",
                    Role.DEVELOPMENT_LEAD,
                    TaskKind.PHASE_REVIEW,
                ),
            ),
        ),
        PhaseDefinition(
            phase=Phase.RM_READINESS,
            title="Registered Manager readiness",
            duration=timedelta(weeks=8),
            management_share=0.4,
            sign_offs=(
                # Readiness needs both the scheme's and the home's signature.
                _sign_off(
                    "readiness.development_lead",
                    "Ready to apply as Registered Manager (Development Lead)",
                    Role.DEVELOPMENT_LEAD,
                    TaskKind.RM_READINESS,
                ),
                _sign_off(
                    "readiness.registered_manager",
                    "Ready to apply as Registered Manager (Registered Manager)",
                    Role.REGISTERED_MANAGER,
                    TaskKind.RM_READINESS,
                ),
                _sign_off(
                    "fit_and_proper",
                    "Fit-and-proper-person evidence (Regulation 7)",
                    Role.OPS,
                    TaskKind.FIT_AND_PROPER,
                ),
            ),
        ),
    )


def _programme(
    version: str,
    care_certificate_version: CareCertificateVersion,
    work_on_record: bool = False,
    feedback: FeedbackPlan | None = None,
) -> Programme:
    """`work_on_record`: the work behind the sign-offs is handed in through the engine
    (evidence for each standard, outplacement reports, signed progress reviews);
    `feedback`: when ratings, surveys and LQF assessments are asked for."""
    return Programme(
        version=version,
        title=f"Social Care Leaders Scheme {version} (Care Certificate {care_certificate_version})",
        care_certificate_version=care_certificate_version,
        phases=_phases(care_certificate_version, work_on_record),
        outplacements=tuple(
            o.model_copy(update={"report_by_participant": work_on_record}) for o in OUTPLACEMENTS
        ),
        conferences=CONFERENCES,
        progress_review_interval=timedelta(weeks=12),
        signed_reviews=work_on_record,
        level5_topics=LEVEL5_TOPICS,
        support_roles=SUPPORT_ROLES,
        # The same in both versions: how often the scheme expects coaching and mentoring
        # did not change with the Care Certificate.
        session_cadences=SESSION_CADENCES,
        feedback=feedback,
    )


PROGRAMMES: Mapping[str, Programme] = MappingProxyType(
    {
        programme.version: programme
        for programme in (
            _programme("2024.1", CareCertificateVersion.V2015),
            _programme("2025.1", CareCertificateVersion.V2025),
            # The work behind every sign-off on record: the participant's evidence for each
            # standard and outplacement reports, reviewed and sent back in the engine, and
            # progress reviews signed by participant, employer and Development Lead.
            _programme("2026.1", CareCertificateVersion.V2025, work_on_record=True),
            # 2026.1 with the success measures asked for: placement ratings, phase surveys
            # and Leadership Qualities Framework assessments, opened by the timetable.
            _programme(
                "2026.2",
                CareCertificateVersion.V2025,
                work_on_record=True,
                feedback=FEEDBACK_PLAN,
            ),
        )
    }
)


CURRENT_PROGRAMME_VERSION = "2026.2"
"""The version a new cohort follows unless its definition names another: the 2025 Care
Certificate standards, with the participant's work on record and feedback asked for.
Participants already running keep the version they enrolled on (docs/versioning.md)."""


def get_programme(version: str) -> Programme:
    try:
        return PROGRAMMES[version]
    except KeyError:
        raise UnknownProgrammeVersion(
            f"unknown programme version {version!r}; known versions: "
            f"{', '.join(sorted(PROGRAMMES))}"
        ) from None
