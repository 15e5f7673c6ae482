"""The Care Certificate's standards, as versioned data.

Skills for Care revises the standards (2015: 15 standards; 2025: 16), and a participant
keeps the version their programme started with, so both versions stay here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field


class CareCertificateVersion(StrEnum):
    V2015 = "2015"
    V2025 = "2025"


class CareCertificateStandard(BaseModel):
    """One standard; the employer's assessor signs it off on knowledge and observed work."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    title: str


def _standards(*titles: str) -> tuple[CareCertificateStandard, ...]:
    return tuple(
        CareCertificateStandard(number=number, title=title)
        for number, title in enumerate(titles, start=1)
    )


_STANDARDS_2015 = (
    "Understand your role",
    "Your personal development",
    "Duty of care",
    "Equality and diversity",
    "Work in a person-centred way",
    "Communication",
    "Privacy and dignity",
    "Fluids and nutrition",
    "Awareness of mental health, dementia and learning disabilities",
    "Safeguarding adults",
    "Safeguarding children",
    "Basic life support",
    "Health and safety",
    "Handling information",
    "Infection prevention and control",
)

# The 2025 revision renames standard 4 and adds standard 16; the rest are unchanged.
_STANDARDS_2025 = (
    *_STANDARDS_2015[:3],
    "Equality, diversity, inclusion and human rights",
    *_STANDARDS_2015[4:],
    "Awareness of learning disability and autism",
)

CARE_CERTIFICATE_STANDARDS: Mapping[CareCertificateVersion, tuple[CareCertificateStandard, ...]] = (
    MappingProxyType(
        {
            CareCertificateVersion.V2015: _standards(*_STANDARDS_2015),
            CareCertificateVersion.V2025: _standards(*_STANDARDS_2025),
        }
    )
)
