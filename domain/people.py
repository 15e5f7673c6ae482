"""The people directory: who the person ids on tasks and events are, the homes they
work in and the providers that run them.

Personal data (names, emails) lives here and in the directory's table, never in events
or workflow state: events carry person ids, and notifications look the rest up.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from domain.cells import Name, no_control_characters
from domain.mail import NotificationKind
from domain.roles import Role

# Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the mail
# server's to judge; this catches typing slips.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def well_formed_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.match(email):
        raise ValueError(f"{email!r} is not a well-formed email address")
    return email


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider_id: str
    name: Name


class Home(BaseModel):
    """A care setting, as CQC registers it (its location id)."""

    model_config = ConfigDict(frozen=True)

    home_id: str
    name: Name
    cqc_location_id: str
    provider_id: str


class MailPreference(StrEnum):
    """How a person hears of their tasks: a mail for each reminder, or the weekly digest
    only. Either way, escalations, reassignments and everything else come by mail as it
    happens: only reminders wait for the digest."""

    EACH_EVENT = "each_event"
    DIGEST = "digest"

    def by_mail(self, kind: NotificationKind) -> bool:
        """Whether a notification of `kind` is mailed to someone who chose this."""
        return self is MailPreference.EACH_EVENT or kind is not NotificationKind.TASK_REMINDER


class Person(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: str
    display_name: Name
    email: str
    roles: frozenset[Role]
    home_id: str | None = None
    provider_id: str | None = None
    mail: MailPreference = MailPreference.EACH_EVENT

    @field_validator("email")
    @classmethod
    def _well_formed(cls, email: str) -> str:
        return well_formed_email(no_control_characters(email))

    @field_validator("display_name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip():
            raise ValueError("a person needs a display name")
        return name.strip()


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(key for key, count in Counter(ids).items() if count > 1)


class Directory(BaseModel):
    """A consistent snapshot: ids unique, every reference resolves, and a person's home
    belongs to their provider."""

    model_config = ConfigDict(frozen=True)

    providers: tuple[Provider, ...] = ()
    homes: tuple[Home, ...] = ()
    people: tuple[Person, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        problems: list[str] = []
        for what, ids in (
            ("provider", [p.provider_id for p in self.providers]),
            ("home", [h.home_id for h in self.homes]),
            ("person", [p.person_id for p in self.people]),
            ("CQC location", [h.cqc_location_id for h in self.homes]),
        ):
            problems.extend(f"duplicate {what} id {dup}" for dup in _duplicates(ids))
        emails = [p.email.lower() for p in self.people]
        problems.extend(f"duplicate email {dup}" for dup in _duplicates(emails))
        providers = {p.provider_id for p in self.providers}
        homes = {h.home_id: h for h in self.homes}
        for home in self.homes:
            if home.provider_id not in providers:
                problems.append(f"home {home.home_id} names unknown provider {home.provider_id}")
        for person in self.people:
            if person.provider_id is not None and person.provider_id not in providers:
                problems.append(
                    f"person {person.person_id} names unknown provider {person.provider_id}"
                )
            if person.home_id is None:
                continue
            works_at = homes.get(person.home_id)
            if works_at is None:
                problems.append(f"person {person.person_id} names unknown home {person.home_id}")
            elif person.provider_id is not None and works_at.provider_id != person.provider_id:
                problems.append(
                    f"person {person.person_id} works at home {works_at.home_id} of provider "
                    f"{works_at.provider_id}, not {person.provider_id}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.person_id == person_id), None)

    def home(self, home_id: str) -> Home | None:
        return next((h for h in self.homes if h.home_id == home_id), None)

    def holding(self, role: Role) -> tuple[Person, ...]:
        return tuple(p for p in self.people if role in p.roles)
