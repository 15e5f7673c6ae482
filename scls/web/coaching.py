"""Coaching and mentoring sessions in the console: the participant page's form the
participant's coach or mentor records one with (the `record_session` Update, in the
signed-in person's name; a refusal shown on the page in the rule's words), and one
session's page with its notes, for the participant and the session's author alone (403
for anyone else, ops and the Registered Manager included). What the participant page
shows of sessions is scls.web.coaching_section's."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.access import may_read_session_notes
from domain.participant.commands import RecordSession
from domain.people import Person
from domain.programme.support_sessions import SessionKind, SessionTheme
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    UpdateRefused,
    WorkflowUnreachable,
    update_participant,
)
from scls.web.pages import render
from scls.web.participants import FormProblem, _participant_page
from scls.web.records import visible_participant
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from store.directory import display_names
from store.participant_progress import PARTICIPANT_PROGRESS
from store.session_notes import session_notes
from workflows.participant import ParticipantWorkflow

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]


@router.post("/participants/{participant_id}/sessions", response_model=None)
async def record_session(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    kind: Annotated[str, Form()] = "",
    held_on: Annotated[str, Form()] = "",
    minutes: Annotated[str, Form()] = "",
    themes: Annotated[list[str] | None, Form()] = None,
    notes: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    chosen = themes or []
    entered = {
        "kind": kind,
        "held_on": held_on,
        "minutes": minutes,
        "themes": ",".join(chosen),
        "notes": notes,
    }
    # Whatever the page showed: someone who may not see the participant never reaches
    # their workflow.
    await visible_participant(found.pool, viewer_of(person), participant_id, datetime.now(UTC))
    try:
        command = RecordSession(
            by=person.person_id,
            kind=_kind(kind),
            held_on=_day(held_on),
            minutes=_minutes(minutes),
            themes=tuple(_theme(theme) for theme in chosen),
            notes=notes,
        )
    except FormProblem as problem:
        return await _refused(request, found, person, participant_id, problem, entered, 422)
    try:
        client = await found.temporal()
        state = await update_participant(
            client, participant_id, ParticipantWorkflow.record_session, command, UPDATE_TIMEOUT
        )
    except UpdateRefused as refusal:
        return await _refused(request, found, person, participant_id, refusal, entered, 409)
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Nothing was recorded: {problem}") from None
    session = state.support_sessions[-1]
    flash(
        request,
        f"{session.kind.label} session {session.number} of {session.held_on:%d %b %Y} recorded.",
    )
    return RedirectResponse(f"/participants/{participant_id}#sessions", status_code=303)


async def _refused(
    request: Request,
    found: Services,
    person: Person,
    participant_id: str,
    why: Exception,
    entered: dict[str, str],
    status: int,
) -> HTMLResponse:
    return await _participant_page(
        request,
        found,
        person,
        participant_id,
        refused=("session", str(why)),
        entered=entered,
        status=status,
    )


@router.get("/participants/{participant_id}/sessions/{number}", response_class=HTMLResponse)
async def session_page(
    request: Request, found: Services, person: SignedIn, participant_id: str, number: int
) -> HTMLResponse:
    state = await PARTICIPANT_PROGRESS.load(found.pool, participant_id)
    session = (
        next((s for s in state.support_sessions if s.number == number), None) if state else None
    )
    if state is None or session is None:
        raise HTTPException(404, f"Participant {participant_id} has no session {number}.")
    if not may_read_session_notes(viewer_of(person), state, session):
        raise HTTPException(
            403,
            f"The notes of {session.kind.value} session {number} are for the participant and "
            "the person who held it alone.",
        )
    notes = await session_notes(found.pool, participant_id, [number])
    names = await display_names(found.pool, {participant_id, session.recorded_by})
    return render(
        request,
        "session.html",
        {
            "participant_id": participant_id,
            "session": session,
            "notes": notes.get(number),
            "names": names,
        },
    )


def _kind(value: str) -> SessionKind:
    try:
        return SessionKind(value)
    except ValueError:
        raise FormProblem("Choose coaching or mentoring.") from None


def _theme(value: str) -> SessionTheme:
    try:
        return SessionTheme(value)
    except ValueError:
        raise FormProblem(f"{value!r} is not one of the themes listed.") from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FormProblem(f"The day held {value!r} is not a date such as 2028-01-24.") from None


def _minutes(value: str) -> int:
    try:
        minutes = float(value)
    except ValueError:
        minutes = math.nan
    if not math.isfinite(minutes) or minutes != int(minutes):
        raise FormProblem(f"Length: {value!r} is not a whole number of minutes.")
    return int(minutes)
