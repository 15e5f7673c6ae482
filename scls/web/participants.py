"""One participant's page: where they are along the programme, what is signed off and
what is pending, outplacements, interventions and management time, coaching and
mentoring, RAG history and every event on their record; and the two forms anyone around
them may send from it, a concern and a week's time sheet. (The session form is
scls.web.coaching's; the participant themselves is sent to My programme.)

Both forms go to the participant's workflow as Updates (`raise_concern`,
`submit_timesheet`) in the signed-in person's name; a refusal by the scheme's rules is
shown on the page in the validator's own words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from temporalio.workflow import UpdateMethodMultiParam

from domain.access import is_the_participant, supporters
from domain.intervention.case import CaseFile
from domain.intervention.outcomes import REPORTED_KINDS, MoveToNewHome, Severity
from domain.measures import lqf_growth
from domain.participant.commands import RaiseConcern, SubmitTimesheet
from domain.participant.state import ParticipantState
from domain.people import Person
from domain.programme.feedback import LQF_ASSESSMENT
from domain.programme.management_time import WINDOW_WEEKS, Timesheet
from domain.programme.tasks import TaskStatus
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    UpdateRefused,
    WorkflowUnreachable,
    update_participant,
)
from scls.web.charts import phase_timeline
from scls.web.coaching_section import session_context
from scls.web.measures_charts import lqf_charts
from scls.web.pages import render
from scls.web.records import event_lines, visible_participant
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from store.directory import display_names
from store.intervention_cases import case_files
from workflows.participant import ParticipantWorkflow

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]

# Time sheets shown on the page, the latest weeks first.
RECENT_TIMESHEETS = 8

Choice = TypeVar("Choice", bound=StrEnum)
Command = TypeVar("Command", RaiseConcern, SubmitTimesheet)


class FormProblem(Exception):
    """What was typed into a form cannot be sent: the message says what to change."""


@router.get("/participants/{participant_id}", response_model=None)
async def participant_page(
    request: Request, found: Services, person: SignedIn, participant_id: str
) -> HTMLResponse | RedirectResponse:
    if is_the_participant(viewer_of(person), participant_id):
        # Their own record, as theirs to read: this page is the support's.
        return RedirectResponse("/my-programme", status_code=303)
    return await _participant_page(request, found, person, participant_id)


def _assessed(state: ParticipantState) -> bool:
    return any(answer.form == LQF_ASSESSMENT.key for answer in state.feedback)


async def _participant_page(
    request: Request,
    found: Services,
    person: Person,
    participant_id: str,
    *,
    refused: tuple[str, str] | None = None,  # (which form, why)
    entered: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    state = await visible_participant(found.pool, viewer_of(person), participant_id, now)
    files = await case_files(found.pool, participant_id)
    cases = sorted(state.interventions.values(), key=lambda case: case.number, reverse=True)
    timesheets = sorted(
        state.timesheets.values(), key=lambda sheet: sheet.week_start, reverse=True
    )[:RECENT_TIMESHEETS]
    names = await display_names(found.pool, _people_shown(state, files.values(), timesheets))
    # Each requirement of the current phase still to sign: its open task, or None when
    # it has not been asked yet.
    pending = [
        (
            state.programme.requirement_title(state.phase, key) if state.phase else key,
            next((t for t in state.open_tasks if t.key == key), None),
        )
        for key in state.sign_offs_needed
    ]
    decided = sorted(
        (t for t in state.tasks.values() if t.status != TaskStatus.OPEN),
        key=lambda t: t.decision.decided_at if t.decision else t.opened_at,
        reverse=True,
    )
    return render(
        request,
        "participant.html",
        {
            "state": state,
            "summary": state.summary(),
            "now": now,
            "timeline": phase_timeline(state, now) if state.enrolment else None,
            "support": state.support,
            "names": names,
            "pending": pending,
            "decided": decided,
            "open_tasks": state.open_tasks,
            "outplacements": [state.outplacements[n] for n in sorted(state.outplacements)],
            "cases": [(case, files.get(case.number)) for case in cases],
            "management_target": state.management_target if state.enrolment else 0.0,
            "timesheets": timesheets,
            "window_weeks": WINDOW_WEEKS,
            "events": await event_lines(found.pool, participant_id),
            "concern_kinds": REPORTED_KINDS,
            "lqf": lqf_charts(lqf_growth(state.feedback)) if _assessed(state) else (),
            "severities": list(Severity),
            "refused": refused,
            "entered": entered or {},
            "this_week": _monday(now.date()),
            **session_context(viewer_of(person), state, now),
        },
        status=status,
    )


def _people_shown(
    state: ParticipantState, files: Iterable[CaseFile], timesheets: Iterable[Timesheet]
) -> set[str]:
    people = {state.participant_id, *supporters(state)}
    people |= {task.assignee for task in state.tasks.values()}
    people |= {case.assignee for case in state.interventions.values()}
    people |= {sheet.recorded_by for sheet in timesheets}
    people |= {session.recorded_by for session in state.support_sessions}
    outcomes = [case.outcome for case in state.interventions.values()]
    for file in files:
        people |= {back.by for back in file.returns}
        if file.approved_by is not None:
            people.add(file.approved_by)
        if file.proposal is not None:
            people.add(file.proposal.by)
            outcomes.append(file.proposal.outcome)
    for outcome in outcomes:
        if isinstance(outcome, MoveToNewHome):
            people |= {outcome.registered_manager, outcome.employer_mentor}
    return people


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@router.post("/participants/{participant_id}/concerns", response_model=None)
async def raise_concern(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    kind: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    entered = {"kind": kind, "severity": severity, "reason": reason}
    try:
        command = RaiseConcern(
            by=person.person_id,
            kind=_choice(kind, REPORTED_KINDS, "what kind of concern it is"),
            severity=_choice(severity, Severity, "how severe it is"),
            reason=_said(reason),
        )
    except FormProblem as problem:
        return await _refused(request, found, person, participant_id, "concern", problem, entered)
    state = await _send(
        request, found, person, participant_id, ParticipantWorkflow.raise_concern, command, entered
    )
    if isinstance(state, HTMLResponse):
        return state
    case = state.open_case
    assert case is not None  # a concern accepted always leaves a case open
    message = (
        f"Concern recorded: intervention {case.number} is open "
        f"({case.kind.value.replace('_', ' ')}); RAG {state.rag.value}."
    )
    if state.suspended:
        message += " Suspended from unsupervised care until the case closes."
    flash(request, message)
    return RedirectResponse(f"/participants/{participant_id}#interventions", status_code=303)


@router.post("/participants/{participant_id}/timesheets", response_model=None)
async def submit_timesheet(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    week_start: Annotated[str, Form()] = "",
    care_hours: Annotated[str, Form()] = "",
    management_hours: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    entered = {
        "week_start": week_start,
        "care_hours": care_hours,
        "management_hours": management_hours,
    }
    try:
        command = SubmitTimesheet(
            by=person.person_id,
            week_start=_week(week_start),
            care_hours=_hours(care_hours, "Care hours"),
            management_hours=_hours(management_hours, "Management hours"),
        )
    except FormProblem as problem:
        return await _refused(request, found, person, participant_id, "timesheet", problem, entered)
    state = await _send(
        request,
        found,
        person,
        participant_id,
        ParticipantWorkflow.submit_timesheet,
        command,
        entered,
    )
    if isinstance(state, HTMLResponse):
        return state
    sheet = state.timesheets[command.week_start.isoformat()]
    message = (
        f"Week of {command.week_start:%d %b %Y} recorded "
        f"({'verified' if sheet.verified else 'submitted'})."
    )
    share = state.management_share
    if share is not None:
        message += (
            f" Management time {share:.0%} against a target of {state.management_target:.0%}."
        )
    flash(request, message)
    return RedirectResponse(f"/participants/{participant_id}#management", status_code=303)


async def _send(
    request: Request,
    found: Services,
    person: Person,
    participant_id: str,
    update: UpdateMethodMultiParam[[ParticipantWorkflow, Command], ParticipantState],
    command: Command,
    entered: dict[str, str],
) -> ParticipantState | HTMLResponse:
    """The Update on the participant's workflow: its new state, or the page again with
    the refusal."""
    # Whatever the page showed: someone who may not see the participant never reaches
    # their workflow.
    await visible_participant(found.pool, viewer_of(person), participant_id, datetime.now(UTC))
    form = "concern" if isinstance(command, RaiseConcern) else "timesheet"
    try:
        client = await found.temporal()
        return await update_participant(client, participant_id, update, command, UPDATE_TIMEOUT)
    except UpdateRefused as refusal:
        return await _refused(
            request, found, person, participant_id, form, refusal, entered, status=409
        )
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Nothing was recorded: {problem}") from None


async def _refused(
    request: Request,
    found: Services,
    person: Person,
    participant_id: str,
    form: str,
    why: Exception,
    entered: dict[str, str],
    status: int = 422,
) -> HTMLResponse:
    return await _participant_page(
        request,
        found,
        person,
        participant_id,
        refused=(form, str(why)),
        entered=entered,
        status=status,
    )


def _choice(value: str, allowed: Iterable[Choice], what: str) -> Choice:
    chosen = next((option for option in allowed if option.value == value), None)
    if chosen is None:
        raise FormProblem(f"Choose {what}.")
    return chosen


def _said(reason: str) -> str:
    if not reason.strip():
        raise FormProblem("Say what happened: it goes on the case file.")
    return reason.strip()


def _week(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormProblem(
            f"The week's first day {value!r} is not a date such as 2028-01-24."
        ) from None


def _hours(value: str, what: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        hours = math.nan
    if not math.isfinite(hours) or hours < 0:
        raise FormProblem(f"{what}: {value!r} is not a number of hours (0 or more).")
    return hours
