"""A cohort file as ops staff keep it, CSV exported from a spreadsheet or YAML, checked
in full: either the cohort's definition and the directory entries it brings (employers,
homes, participants and the people supporting them), or every problem at once, each
placed at its row and field.

CSV: one row per participant. The cohort's own fields (cohort_id, hub, start_date,
programme_version, time_scale, ops_lead, institute_lead) are columns repeated on every
row and must agree. A person referenced by id (registered_manager, mentor,
development_lead, coach, assessor, ops_lead, institute_lead) is defined by the
`<column>_name` and `<column>_email` cells of at least one row.

YAML: a `cohort` mapping with the cohort's fields, `people` (person_id, name, email) for
everyone referenced, and `participants` with the same fields as a CSV row.

A checked file must also agree with what is on record before it starts anything: no
participant in another cohort, and no one new for a cohort that has started.

Pure: the caller reads the file, and what is on record, and passes today's date for the
start-date rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
)

from domain.cells import Name, Text, no_control_characters
from domain.cohort.decide import (
    CohortDefinition,
    ParticipantEnrolmentInput,
    home_too_small,
    homes_too_small,
)
from domain.cohort.state import CohortState
from domain.errors import (
    CohortAlreadyStarted,
    InAnotherCohort,
    InvalidCohort,
    UnknownProgrammeVersion,
)
from domain.people import Directory, Home, Person, Provider, well_formed_email
from domain.programme.definition import CURRENT_PROGRAMME_VERSION, get_programme
from domain.roles import Role
from domain.timescale import TimeScale

# Ids end up in workflow ids and task references (`P-1/care_certificate.3`).
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _an_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not a usable id: letters, digits, '.', '_' and '-', at most 64"
        )
    return value


Id = Annotated[str, AfterValidator(_an_id)]
Email = Annotated[str, AfterValidator(no_control_characters), AfterValidator(well_formed_email)]


class DbsCheck(StrEnum):
    # Enhanced with the adults' barred list: what unsupervised care work needs.
    ENHANCED = "enhanced"
    # The barred list alone, while the enhanced check is pending: supervised work only.
    ADULT_FIRST = "adult_first"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)


class CohortHeader(_Strict):
    cohort_id: Id
    hub: Name
    start_date: date
    programme_version: Text = CURRENT_PROGRAMME_VERSION  # a new cohort follows the current
    time_scale: TimeScale = 1.0
    ops_lead: Id
    institute_lead: Id

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        # A datetime would quietly lose its time of day; the cohort starts on a day.
        if isinstance(value, datetime):
            raise ValueError("give the start date as a date (YYYY-MM-DD), without a time")
        return value


class ParticipantRow(_Strict):
    participant_id: Id
    name: Name
    email: Email
    employer_id: Id
    employer: Name
    home_id: Id
    home: Name
    cqc_location_id: Text
    registered_manager: Id
    mentor: Id
    development_lead: Id
    coach: Id
    assessor: Id
    dbs_cleared_on: date | None = None
    dbs_check: DbsCheck | None = None


class PersonEntry(_Strict):
    person_id: Id
    name: Name
    email: Email


# Who a participant row or the header names, and the role that makes them.
PARTICIPANT_REFERENCES: dict[str, Role] = {
    "registered_manager": Role.REGISTERED_MANAGER,
    "mentor": Role.EMPLOYER_MENTOR,
    "development_lead": Role.DEVELOPMENT_LEAD,
    "coach": Role.COACH,
    "assessor": Role.ASSESSOR,
}
HEADER_REFERENCES: dict[str, Role] = {
    "ops_lead": Role.OPS,
    "institute_lead": Role.INSTITUTE_LEAD,
}
HEADER_FIELDS = tuple(CohortHeader.model_fields)
PARTICIPANT_FIELDS = tuple(ParticipantRow.model_fields)
# CSV only: a referenced person's name and email, in the cells beside the reference.
PERSON_COLUMNS = tuple(
    f"{reference}_{part}"
    for reference in (*HEADER_REFERENCES, *PARTICIPANT_REFERENCES)
    for part in ("name", "email")
)
CSV_COLUMNS = (*HEADER_FIELDS, *PARTICIPANT_FIELDS, *PERSON_COLUMNS)


class Problem(BaseModel):
    """One thing wrong with the file: where (a row, a participant, the header), which field,
    and what."""

    model_config = ConfigDict(frozen=True)

    where: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.where}, {self.field}: {self.message}"
            if self.field
            else (f"{self.where}: {self.message}")
        )


class InvalidCohortFile(InvalidCohort):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_in_file_order)
        super().__init__("; ".join(str(p) for p in self.problems))


def _in_file_order(problem: Problem) -> tuple[int, str, int]:
    """The file as a whole and the cohort's header first, then row by row."""
    label, _, rest = problem.where.partition(" ")
    number = re.match(r"\d+", rest)
    if number is None:
        return (0, "", 0)
    return (1, label, int(number.group()))


class CohortIntake(BaseModel):
    """A checked cohort file: what to start, and who to add to the directory first."""

    model_config = ConfigDict(frozen=True)

    definition: CohortDefinition
    directory: Directory


# --- located records: what a reader makes of the file's text ----------------------


@dataclass
class Record:
    where: str  # "row 4", "participant 3", "cohort", "person 2"
    data: dict[str, Any]

    def at(self, participant_id: str | None = None) -> str:
        return f"{self.where} ({participant_id})" if participant_id else self.where


@dataclass
class RawCohortFile:
    headers: list[Record] = field(default_factory=list)  # CSV: one per row, must agree
    participants: list[Record] = field(default_factory=list)
    people: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    definitions_hint: str = ""


# --- the checks ---------------------------------------------------------------------------


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return "not a field of a cohort file"
    if kind.startswith("date"):
        return f"{error['input']!r} is not a date (YYYY-MM-DD)"
    if kind == "enum":
        return f"{error['input']!r} is not one of {', '.join(c.value for c in DbsCheck)}"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


class IntakeCheck:
    def __init__(self, raw: RawCohortFile, today: date) -> None:
        self.raw = raw
        self.today = today
        self.problems: list[Problem] = list(raw.problems)
        self.misdefined: set[str] = set()

    def problem(self, where: str, field_name: str | None, message: str) -> None:
        self.problems.append(Problem(where=where, field=field_name, message=message))

    def _validated(self, model: type[_Strict], record: Record, label: str | None = None) -> Any:
        data = {k: v for k, v in record.data.items() if not k.startswith("_")}
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                location = ".".join(str(part) for part in item["loc"]) or None
                self.problem(record.at(label), location, _message(item))
            return None

    def check(self) -> CohortIntake:
        if self.problems:  # the file's shape is wrong: its records mean nothing yet
            raise InvalidCohortFile(self.problems)
        header = self._header()
        rows = [
            (record, self._validated(ParticipantRow, record, _label(record)))
            for record in self.raw.participants
        ]
        if not rows:
            self.problem("the file", None, "no participants")
        valid = [(record, row) for record, row in rows if row is not None]
        people = self._people()
        self._duplicates(valid)
        self._homes_too_small(self.raw.participants)
        self._homes_and_employers(valid)
        if header is not None:
            self._dbs(valid, header)
            self._references(valid, header, people)
        if self.problems or header is None or len(valid) != len(rows):
            raise InvalidCohortFile(self.problems)
        return self._intake(header, [row for _, row in valid], people)

    def _header(self) -> CohortHeader | None:
        if not self.raw.headers:
            return None
        first = self.raw.headers[0]
        for other in self.raw.headers[1:]:
            for name in HEADER_FIELDS:
                mine, theirs = other.data.get(name), first.data.get(name)
                if mine != theirs:
                    self.problem(
                        other.where,
                        name,
                        f"{_shown(mine)} differs from {_shown(theirs)} on {first.where}",
                    )
        header: CohortHeader | None = self._validated(CohortHeader, first)
        if header is None:
            return None
        try:
            get_programme(header.programme_version)
        except UnknownProgrammeVersion as unknown:
            self.problem(first.where, "programme_version", str(unknown))
        if header.start_date < self.today:
            self.problem(
                first.where,
                "start_date",
                f"{header.start_date} is in the past (today is {self.today})",
            )
        return header

    def _people(self) -> dict[str, tuple[Record, PersonEntry]]:
        defined: dict[str, tuple[Record, PersonEntry]] = {}
        for record in self.raw.people:
            column = record.data.get("_column")
            person = self._validated_person(record, column)
            if person is None:
                # Its own problems are reported; references to it are not problems too.
                self.misdefined.add(str(record.data.get("person_id")))
                continue
            earlier = defined.get(person.person_id)
            if earlier is None:
                defined[person.person_id] = (record, person)
            elif (earlier[1].name, earlier[1].email.lower()) != (
                person.name,
                person.email.lower(),
            ):
                self.problem(
                    record.where,
                    column or "person_id",
                    f"{person.person_id} is defined differently on {earlier[0].where}",
                )
        return defined

    def _validated_person(self, record: Record, column: str | None) -> PersonEntry | None:
        if column is None:
            person: PersonEntry | None = self._validated(PersonEntry, record)
            return person
        # CSV: point at the cells as the spreadsheet names them.
        before = len(self.problems)
        person = self._validated(PersonEntry, record)
        renamed = {"person_id": column, "name": f"{column}_name", "email": f"{column}_email"}
        self.problems[before:] = [
            p.model_copy(update={"field": renamed.get(p.field or "", p.field)})
            for p in self.problems[before:]
        ]
        return person

    def _duplicates(self, rows: list[tuple[Record, ParticipantRow]]) -> None:
        keys: tuple[tuple[str, Callable[[ParticipantRow], str]], ...] = (
            ("participant_id", lambda r: r.participant_id),
            ("email", lambda r: r.email.lower()),
        )
        for name, key in keys:
            first_seen: dict[str, Record] = {}
            for record, row in rows:
                value = key(row)
                if value in first_seen:
                    self.problem(
                        record.at(row.participant_id),
                        name,
                        f"{value} is also on {first_seen[value].where}",
                    )
                else:
                    first_seen[value] = record

    def _homes_too_small(self, records: list[Record]) -> None:
        # Every row counts, valid or not: a typo elsewhere on a row leaves its home as full.
        homes = {id(r): str(r.data["home_id"]) for r in records if "home_id" in r.data}
        small = homes_too_small(homes.values())
        for record in records:
            home_id = homes.get(id(record))
            if home_id in small:
                self.problem(
                    record.at(_label(record)), "home_id", home_too_small(home_id, small[home_id])
                )

    def _homes_and_employers(self, rows: list[tuple[Record, ParticipantRow]]) -> None:
        homes: dict[str, tuple[Record, ParticipantRow]] = {}
        employers: dict[str, tuple[Record, ParticipantRow]] = {}
        locations: dict[str, tuple[Record, ParticipantRow]] = {}
        for record, row in rows:
            where = record.at(row.participant_id)
            first = homes.setdefault(row.home_id, (record, row))[1]
            for name in ("home", "cqc_location_id", "employer_id"):
                if getattr(row, name) != getattr(first, name):
                    self.problem(
                        where,
                        name,
                        f"home {row.home_id} is {getattr(first, name)!r} in this column on "
                        f"{homes[row.home_id][0].where}",
                    )
            same_cqc = locations.setdefault(row.cqc_location_id, (record, row))
            if same_cqc[1].home_id != row.home_id:
                self.problem(
                    where,
                    "cqc_location_id",
                    f"{row.cqc_location_id} is home {same_cqc[1].home_id}'s on {same_cqc[0].where}",
                )
            employer = employers.setdefault(row.employer_id, (record, row))
            if employer[1].employer != row.employer:
                self.problem(
                    where,
                    "employer",
                    f"employer {row.employer_id} is {employer[1].employer!r} on "
                    f"{employer[0].where}",
                )

    def _dbs(self, rows: list[tuple[Record, ParticipantRow]], header: CohortHeader) -> None:
        start = header.start_date
        for record, row in rows:
            where = record.at(row.participant_id)
            if row.dbs_cleared_on is None:
                self.problem(
                    where,
                    "dbs_cleared_on",
                    f"no DBS clearance: an enhanced check must be cleared before the start "
                    f"date {start}",
                )
                continue
            if row.dbs_cleared_on > start:
                self.problem(
                    where,
                    "dbs_cleared_on",
                    f"DBS cleared on {row.dbs_cleared_on}, after the start date {start}",
                )
            if row.dbs_check is None:
                self.problem(where, "dbs_check", f"missing: {', '.join(c.value for c in DbsCheck)}")
            elif row.dbs_check is DbsCheck.ADULT_FIRST:
                self.problem(
                    where,
                    "dbs_check",
                    "only a DBS Adult First check, which allows supervised work only: an "
                    f"enhanced check must be cleared before the start date {start}",
                )

    def _references(
        self,
        rows: list[tuple[Record, ParticipantRow]],
        header: CohortHeader,
        people: dict[str, tuple[Record, PersonEntry]],
    ) -> None:
        participants = {row.participant_id for _, row in rows}
        references = [
            (self.raw.headers[0].where, name, getattr(header, name)) for name in HEADER_REFERENCES
        ] + [
            (record.at(row.participant_id), name, getattr(row, name))
            for record, row in rows
            for name in PARTICIPANT_REFERENCES
        ]
        for where, name, person_id in references:
            if person_id in participants:
                self.problem(where, name, f"{person_id} is a participant of this cohort")
            elif person_id not in people and person_id not in self.misdefined:
                hint = self.raw.definitions_hint.format(field=name)
                self.problem(where, name, f"{person_id} is not defined: {hint}")

    def _intake(
        self,
        header: CohortHeader,
        rows: list[ParticipantRow],
        people: dict[str, tuple[Record, PersonEntry]],
    ) -> CohortIntake:
        try:
            return CohortIntake(
                definition=_definition(header, rows),
                directory=_directory(header, rows, {k: e for k, (_, e) in people.items()}),
            )
        except ValidationError as error:
            # What the row checks cannot see, such as a supporting person's email that is
            # also a participant's.
            raise InvalidCohortFile(
                [
                    Problem(where="the file", field=None, message=part.strip())
                    for item in error.errors()
                    for part in str(item["msg"]).removeprefix("Value error, ").split("; ")
                ]
            ) from None


# --- the checked file against what is on record ----------------------------------------


def check_in_no_other_cohort(definition: CohortDefinition, on_record: Mapping[str, str]) -> None:
    """A participant is in one cohort: refuses a file naming anyone on record in another.
    `on_record` is the cohort each participant on record is in."""
    elsewhere = sorted(
        (p.participant_id, on_record[p.participant_id])
        for p in definition.participants
        if on_record.get(p.participant_id, definition.cohort_id) != definition.cohort_id
    )
    if elsewhere:
        raise InAnotherCohort(
            "; ".join(f"participant {pid} is already in cohort {other}" for pid, other in elsewhere)
        )


def check_no_newcomers(definition: CohortDefinition, started: CohortState | None) -> None:
    """A cohort takes no one after it starts: refuses a file naming participants the
    started cohort does not have. `started` is None while its opening is not on record."""
    if started is None:
        return
    newcomers = sorted({p.participant_id for p in definition.participants} - started.members.keys())
    if newcomers:
        raise CohortAlreadyStarted(
            f"{len(newcomers)} participant(s) in the file are not in it "
            f"({', '.join(newcomers)}): a cohort takes no one after it starts"
        )


def _definition(header: CohortHeader, rows: list[ParticipantRow]) -> CohortDefinition:
    return CohortDefinition(
        cohort_id=header.cohort_id,
        hub=header.hub,
        start_date=datetime.combine(header.start_date, time.min, UTC),
        programme_version=header.programme_version,
        time_scale=header.time_scale,
        ops_lead=header.ops_lead,
        institute_lead=header.institute_lead,
        participants=tuple(
            ParticipantEnrolmentInput(
                participant_id=r.participant_id,
                home_id=r.home_id,
                registered_manager=r.registered_manager,
                employer_mentor=r.mentor,
                development_lead=r.development_lead,
                coach=r.coach,
                assessor=r.assessor,
            )
            for r in rows
        ),
    )


def _directory(
    header: CohortHeader, rows: list[ParticipantRow], people: dict[str, PersonEntry]
) -> Directory:
    """Employers, homes and participants from the rows; everyone else they reference,
    with the roles their references give them."""
    roles: dict[str, set[Role]] = defaultdict(set)
    for name, role in HEADER_REFERENCES.items():
        roles[getattr(header, name)].add(role)
    for row in rows:
        for name, role in PARTICIPANT_REFERENCES.items():
            roles[getattr(row, name)].add(role)
    providers = {r.employer_id: Provider(provider_id=r.employer_id, name=r.employer) for r in rows}
    homes = {
        r.home_id: Home(
            home_id=r.home_id,
            name=r.home,
            cqc_location_id=r.cqc_location_id,
            provider_id=r.employer_id,
        )
        for r in rows
    }
    participants = [
        Person(
            person_id=r.participant_id,
            display_name=r.name,
            email=r.email,
            roles=frozenset({Role.PARTICIPANT}),
            home_id=r.home_id,
            provider_id=r.employer_id,
        )
        for r in rows
    ]
    supporters = [
        Person(
            person_id=person_id,
            display_name=entry.name,
            email=entry.email,
            roles=frozenset(roles[person_id]),
        )
        for person_id, entry in sorted(people.items())
        if person_id in roles
    ]
    return Directory(
        providers=tuple(providers.values()),
        homes=tuple(homes.values()),
        people=(*participants, *supporters),
    )


def _label(record: Record) -> str | None:
    value = record.data.get("participant_id")
    return value if isinstance(value, str) else None


def _shown(value: Any) -> str:
    return "a blank" if value is None else repr(value)
