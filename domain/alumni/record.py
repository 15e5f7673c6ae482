"""An alumnus' record: its state and fold, what the alumnus and ops may record, and the
check-in timetable (`due`, `next_wakeup`) the alumni workflow follows for 24 months.

Each check-in opens at its time after leaving (domain.programme.alumni), is reminded and
escalated to ops while unanswered, and closes unanswered at the policy's end. Durations
are the cohort's programme time, shrunk by its time scale like everything else.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.alumni.events import (
    AlumniEvent,
    AlumniRecordOpened,
    CheckInAnswered,
    CheckInClosed,
    CheckInEscalated,
    CheckInOpened,
    CheckInReminded,
    RmRegistrationRecorded,
)
from domain.errors import InconsistentHistory, InvalidCheckIn, PersonNotAllowed
from domain.instants import UtcDatetime, require_utc
from domain.programme.alumni import CHECK_IN_POLICY, CHECK_INS, Destination, check_in
from domain.timescale import scaled


class CheckInState(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    opened_at: UtcDatetime
    closes_at: UtcDatetime
    reminders: int = 0
    escalated: bool = False
    answer: CheckInAnswered | None = None
    closed_unanswered: bool = False

    @property
    def is_open(self) -> bool:
        return self.answer is None and not self.closed_unanswered


class AlumniState(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: str
    opening: AlumniRecordOpened | None = None
    check_ins: dict[int, CheckInState] = {}
    rm_registration: RmRegistrationRecorded | None = None
    as_of: UtcDatetime | None = None
    version: int = 0

    def opened(self) -> AlumniRecordOpened:
        if self.opening is None:
            raise InconsistentHistory(f"alumni record of {self.person_id} is not open")
        return self.opening

    def answer_at(self, months: int) -> CheckInAnswered | None:
        """The answer to the check-in `months` after leaving, if given."""
        found = self.check_ins.get(next(c.number for c in CHECK_INS if c.months == months))
        return found.answer if found is not None else None

    @property
    def latest_answer(self) -> CheckInAnswered | None:
        answers = [c.answer for c in self.check_ins.values() if c.answer is not None]
        return max(answers, key=lambda a: a.number, default=None)

    @property
    def finished(self) -> bool:
        """Every check-in asked and closed: nothing more will be asked."""
        return len(self.check_ins) == len(CHECK_INS) and not any(
            c.is_open for c in self.check_ins.values()
        )


def new_alumni_record(person_id: str) -> AlumniState:
    return AlumniState(person_id=person_id)


def evolve_alumni(state: AlumniState, event: AlumniEvent) -> AlumniState:
    changes: dict[str, object]
    match event:
        case AlumniRecordOpened():
            changes = {"opening": event}
        case CheckInOpened():
            opened = CheckInState(
                number=event.number, opened_at=event.opened_at, closes_at=event.closes_at
            )
            changes = {"check_ins": {**state.check_ins, event.number: opened}}
        case CheckInReminded():
            changes = _check_in_changed(state, event.number, reminders=event.reminder)
        case CheckInEscalated():
            changes = _check_in_changed(state, event.number, escalated=True)
        case CheckInAnswered():
            changes = _check_in_changed(state, event.number, answer=event)
        case CheckInClosed():
            changes = _check_in_changed(state, event.number, closed_unanswered=True)
        case RmRegistrationRecorded():
            changes = {"rm_registration": event}
    at = event.at if state.as_of is None else max(state.as_of, event.at)
    return state.model_copy(update={**changes, "as_of": at, "version": state.version + 1})


def _check_in_changed(state: AlumniState, number: int, **update: object) -> dict[str, object]:
    found = state.check_ins.get(number)
    if found is None:
        raise InconsistentHistory(f"check-in {number} of {state.person_id} was never opened")
    return {"check_ins": {**state.check_ins, number: found.model_copy(update=update)}}


# --- what people record --------------------------------------------------------------------


class AnswerCheckIn(BaseModel):
    """The alumnus' answer to a check-in, from the one-click link's form."""

    model_config = ConfigDict(frozen=True)

    by: str
    number: int
    destination: Destination
    service_location_id: str | None = None
    in_post_since: date | None = None


class RecordRmRegistration(BaseModel):
    """Registered with CQC as a Registered Manager: recorded by the alumnus or ops."""

    model_config = ConfigDict(frozen=True)

    by: str
    registered_on: date
    service_location_id: str | None = None


def answer_check_in(state: AlumniState, command: AnswerCheckIn, now: datetime) -> list[AlumniEvent]:
    opening = state.opened()
    if command.by != opening.person_id:
        raise PersonNotAllowed(f"only {opening.person_id} answers their own check-ins")
    found = state.check_ins.get(command.number)
    if found is None:
        raise InvalidCheckIn(f"check-in {command.number} has not been asked yet")
    if found.answer is not None:
        raise InvalidCheckIn(
            f"check-in {command.number} was already answered on "
            f"{found.answer.answered_at.date().isoformat()}"
        )
    if found.closed_unanswered:
        raise InvalidCheckIn(f"check-in {command.number} closed on {found.closes_at.date()}")
    location = (command.service_location_id or "").strip() or None
    if command.destination == Destination.REGISTERED_MANAGER and location is None:
        raise InvalidCheckIn("say which service you manage (its CQC location id)")
    if command.in_post_since is not None and command.in_post_since > now.date():
        raise InvalidCheckIn(f"in post since {command.in_post_since} is a date still to come")
    return [
        CheckInAnswered(
            number=command.number,
            destination=command.destination,
            service_location_id=location,
            in_post_since=command.in_post_since,
            answered_by=command.by,
            answered_at=require_utc(now),
        )
    ]


def record_rm_registration(
    state: AlumniState, command: RecordRmRegistration, now: datetime, by_ops: bool
) -> list[AlumniEvent]:
    """`by_ops`: whether `by` is ops staff (the directory says; the alumnus may too)."""
    opening = state.opened()
    if command.by != opening.person_id and not by_ops:
        raise PersonNotAllowed(
            f"{command.by} may not record {opening.person_id}'s registration: they or ops do"
        )
    if command.registered_on > now.date():
        raise InvalidCheckIn(f"registered on {command.registered_on} is a date still to come")
    if command.registered_on < opening.left_at.date():
        raise InvalidCheckIn(
            f"registered on {command.registered_on} is before they left the programme "
            f"on {opening.left_at.date()}"
        )
    return [
        RmRegistrationRecorded(
            registered_on=command.registered_on,
            service_location_id=(command.service_location_id or "").strip() or None,
            recorded_by=command.by,
            recorded_at=require_utc(now),
        )
    ]


# --- the check-in timetable ----------------------------------------------------------------


def _next_step(state: AlumniState) -> tuple[datetime, AlumniEvent] | None:
    opening = state.opening
    if opening is None:
        return None
    scale = opening.time_scale
    candidates: list[tuple[datetime, int, AlumniEvent]] = []
    for found in state.check_ins.values():
        if not found.is_open:
            continue
        policy = CHECK_IN_POLICY
        if found.reminders < len(policy.reminders_after):
            at = found.opened_at + scaled(policy.reminders_after[found.reminders], scale)
            reminded = CheckInReminded(number=found.number, reminder=found.reminders + 1, at=at)
            candidates.append((at, 1, reminded))
        if not found.escalated:
            at = found.opened_at + scaled(policy.escalate_after, scale)
            escalated = CheckInEscalated(number=found.number, to_person=opening.ops_lead, at=at)
            candidates.append((at, 2, escalated))
        candidates.append(
            (found.closes_at, 3, CheckInClosed(number=found.number, closed_at=found.closes_at))
        )
    asked = len(state.check_ins)
    if asked < len(CHECK_INS):
        definition = check_in(asked)
        at = opening.left_at + scaled(definition.after_leaving, scale)
        closes_at = at + scaled(CHECK_IN_POLICY.closes_after, scale)
        candidates.append((at, 0, CheckInOpened(number=asked, opened_at=at, closes_at=closes_at)))
    if not candidates:
        return None
    at, _, event = min(candidates, key=lambda c: (c[0], c[1]))
    if state.as_of is not None and at < state.as_of:
        at = state.as_of
        event = event.model_copy(update={_instant_field(event): at})
    return at, event


def _instant_field(event: AlumniEvent) -> str:
    match event:
        case CheckInOpened():
            return "opened_at"
        case CheckInClosed():
            return "closed_at"
    return "at"


def due(state: AlumniState, now: datetime) -> list[AlumniEvent]:
    """The events the check-in timetable records by `now`, in time order."""
    now = require_utc(now)
    recorded: list[AlumniEvent] = []
    while (step := _next_step(state)) is not None and step[0] <= now:
        state = evolve_alumni(state, step[1])
        recorded.append(step[1])
    return recorded


def next_wakeup(state: AlumniState) -> datetime | None:
    step = _next_step(state)
    return step[0] if step is not None else None
