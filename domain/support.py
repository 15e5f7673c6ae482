"""The support around each participant: the kinds of support the scheme promises, and the
people who give it to one participant."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.roles import Role


class SupportProvider(StrEnum):
    SCHEME = "scheme"
    EMPLOYER = "employer"


class SupportRole(BaseModel):
    """A kind of support from the Programme Manual (section 1.5)."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    provided_by: SupportProvider
    purpose: str


SUPPORT_ROLES: tuple[SupportRole, ...] = (
    SupportRole(
        key="coach",
        title="Independent coach",
        provided_by=SupportProvider.SCHEME,
        purpose="a structured coaching programme on leadership and management skills",
    ),
    SupportRole(
        key="development_lead",
        title="Development Lead",
        provided_by=SupportProvider.SCHEME,
        purpose="supports the participant's training needs across the programme",
    ),
    SupportRole(
        key="course_partner",
        title="Course partner",
        provided_by=SupportProvider.SCHEME,
        purpose="peer-to-peer support from someone in the same cohort",
    ),
    SupportRole(
        key="employer_mentor",
        title="Employer mentor",
        provided_by=SupportProvider.EMPLOYER,
        purpose="a structured mentoring programme on social care and leadership",
    ),
)


class SupportArrangements(BaseModel):
    """The person ids of everyone who supports, assesses or signs off one participant."""

    model_config = ConfigDict(frozen=True)

    registered_manager: str
    employer_mentor: str
    development_lead: str
    coach: str
    assessor: str
    institute_lead: str
    ops_lead: str
    course_partners: tuple[str, ...] = ()

    def role_holders(self) -> frozenset[str]:
        """Everyone here in a role a task may be given to: all but the course partners."""
        return frozenset(self.model_dump(exclude={"course_partners"}).values())

    def person_for(self, role: Role, participant_id: str) -> str:
        """Who answers a task given to `role` for this participant."""
        people = {
            Role.OPS: self.ops_lead,
            Role.INSTITUTE_LEAD: self.institute_lead,
            Role.ASSESSOR: self.assessor,
            Role.REGISTERED_MANAGER: self.registered_manager,
            Role.EMPLOYER_MENTOR: self.employer_mentor,
            Role.DEVELOPMENT_LEAD: self.development_lead,
            Role.COACH: self.coach,
            Role.PARTICIPANT: participant_id,
        }
        return people[role]
