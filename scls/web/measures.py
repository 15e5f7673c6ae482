"""Success measures in the console: the ops page "Success measures" (charts drawn on the
server), the form that answers a feedback task (a rating, a survey, an LQF assessment),
ops' form for feedback from people receiving care, and the alumni check-in form that a
mailed one-click link opens without signing in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.access import may_view_cohorts
from domain.alumni.record import AnswerCheckIn
from domain.participant.commands import GiveFeedback, RecordCareFeedback
from domain.participant.feedback import form_of
from domain.people import Person
from domain.programme.alumni import Destination, check_in
from domain.programme.feedback import CARE_FEEDBACK, PLACEMENT_RUBRIC, Form
from domain.programme.phases import Phase
from mail.check_in_links import read_check_in_token
from scls.participant_updates import (
    UpdateRefused,
    WorkflowUnreachable,
    update_alumni,
    update_participant,
)
from scls.web.measures_charts import cohort_bars, lqf_charts, score_bars
from scls.web.pages import render
from scls.web.records import visible_participant
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from store.directory import display_names
from store.measures import homes, measures
from workflows.alumni import AlumniWorkflow
from workflows.participant import ParticipantWorkflow

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]


def _require_ops(person: Person) -> None:
    if not may_view_cohorts(viewer_of(person)):
        raise HTTPException(403, "The success measures are for the scheme's ops staff.")


@router.get("/measures", response_class=HTMLResponse)
async def measures_page(request: Request, found: Services, person: SignedIn) -> HTMLResponse:
    _require_ops(person)
    shown = await measures(found.pool)
    feedback = score_bars(
        [
            (f"{c.cohort_id}: {what}", value)
            for c in shown.cohorts
            for what, value in (
                ("participants", c.participant_survey),
                ("employers", c.employer_survey),
                ("people receiving care", c.care_feedback),
                ("placement quality", c.placement_quality),
            )
        ],
        5,
    )
    places = score_bars([(p.name, p.mean) for p in shown.places], 5)
    return render(
        request,
        "measures.html",
        {
            "m": shown,
            "cohort_bars": cohort_bars(shown.cohorts),
            "feedback_bars": feedback,
            "place_bars": places,
            "lqf": lqf_charts(shown.lqf),
            "rubric": PLACEMENT_RUBRIC,
            "names": await display_names(
                found.pool,
                [e.participant_id for p in shown.places for e in p.poor]
                + [s.person_id for s in shown.services],
            ),
        },
    )


# --- answering a feedback task -----------------------------------------------------------


def _scores(form: Form, posted: dict[str, str]) -> dict[str, int]:
    scores = {}
    for question in form.questions:
        value = posted.get(f"score.{question.key}", "")
        if value.isdigit():
            scores[question.key] = int(value)
    return scores


@router.get("/feedback/{participant_id}/{task_id}", response_class=HTMLResponse)
async def feedback_page(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    task_id: str,
    refusal: str | None = None,
) -> HTMLResponse:
    state = await visible_participant(
        found.pool, viewer_of(person), participant_id, datetime.now(UTC)
    )
    task = state.tasks.get(task_id)
    if task is None or not task.is_feedback:
        raise HTTPException(404, f"There is no feedback task {task_id} for this participant.")
    hosts = await homes(found.pool) if ".outplacement_" in task_id else {}
    return render(
        request,
        "feedback.html",
        {
            "participant_id": participant_id,
            "task": task,
            "form": form_of(task),
            "hosts": sorted(hosts.values(), key=lambda h: h.name),
            "mine": task.assignee == person.person_id,
            "refusal": refusal,
            "names": await display_names(found.pool, [participant_id, task.assignee]),
        },
        status=409 if refusal else 200,
    )


async def _update(found: WebServices, participant_id: str, handler, command) -> str | None:  # type: ignore[no-untyped-def]
    """Send the Update; the refusal in the rule's words, or None when recorded."""
    try:
        client = await found.temporal()
        await update_participant(client, participant_id, handler, command)
    except UpdateRefused as refusal:
        return str(refusal)
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Nothing was recorded: {problem}") from None
    return None


@router.post("/feedback/{participant_id}/{task_id}", response_model=None)
async def give_feedback(
    request: Request, found: Services, person: SignedIn, participant_id: str, task_id: str
) -> HTMLResponse | RedirectResponse:
    state = await visible_participant(
        found.pool, viewer_of(person), participant_id, datetime.now(UTC)
    )
    task = state.tasks.get(task_id)
    if task is None or not task.is_feedback:
        raise HTTPException(404, f"There is no feedback task {task_id} for this participant.")
    posted = {k: str(v) for k, v in (await request.form()).items()}
    command = GiveFeedback(
        by=person.person_id,
        task_id=task_id,
        scores=_scores(form_of(task), posted),
        comment=posted.get("comment") or None,
        host_home_id=posted.get("host_home_id") or None,
        host_name=posted.get("host_name") or None,
    )
    refused = await _update(found, participant_id, ParticipantWorkflow.give_feedback, command)
    if refused is not None:
        return await feedback_page(request, found, person, participant_id, task_id, refused)
    flash(request, f"Thank you: {task.title} is on record.")
    return RedirectResponse("/tasks", status_code=303)


# --- feedback from people receiving care (ops) -------------------------------------------


@router.get("/participants/{participant_id}/care-feedback", response_class=HTMLResponse)
async def care_feedback_page(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    refusal: str | None = None,
) -> HTMLResponse:
    state = await visible_participant(
        found.pool, viewer_of(person), participant_id, datetime.now(UTC)
    )
    return render(
        request,
        "care_feedback.html",
        {
            "state": state,
            "form": CARE_FEEDBACK,
            "refusal": refusal,
            "names": await display_names(found.pool, [participant_id]),
            "phase": Phase(state.phase).label if state.phase else "",
        },
        status=409 if refusal else 200,
    )


@router.post("/participants/{participant_id}/care-feedback", response_model=None)
async def record_care_feedback(
    request: Request, found: Services, person: SignedIn, participant_id: str
) -> HTMLResponse | RedirectResponse:
    await visible_participant(found.pool, viewer_of(person), participant_id, datetime.now(UTC))
    posted = {k: str(v) for k, v in (await request.form()).items()}
    command = RecordCareFeedback(
        by=person.person_id,
        scores=_scores(CARE_FEEDBACK, posted),
        comment=posted.get("comment") or None,
    )
    refused = await _update(
        found, participant_id, ParticipantWorkflow.record_care_feedback, command
    )
    if refused is not None:
        return await care_feedback_page(request, found, person, participant_id, refused)
    flash(request, "Feedback from people receiving care recorded.")
    return RedirectResponse(f"/participants/{participant_id}", status_code=303)


# --- the alumni check-in, by one-click link ------------------------------------------------


def _from_token(request: Request, token: str) -> tuple[str, int]:
    read = read_check_in_token(request.app.state.secret, token)
    if read is None:
        raise HTTPException(404, "This link is not one the scheme sent, or it was cut short.")
    return read


def _check_in_page(
    request: Request, token: str, number: int, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "check_in.html",
        {
            "token": token,
            "check_in": check_in(number),
            "destinations": list(Destination),
            "refusal": refusal,
        },
        status=status,
    )


@router.get("/alumni/check-in/{token}", response_class=HTMLResponse)
async def check_in_page(request: Request, found: Services, token: str) -> HTMLResponse:
    _, number = _from_token(request, token)
    return _check_in_page(request, token, number)


@router.post("/alumni/check-in/{token}", response_class=HTMLResponse)
async def answer_check_in(request: Request, found: Services, token: str) -> HTMLResponse:
    person_id, number = _from_token(request, token)
    posted = {k: str(v) for k, v in (await request.form()).items()}
    if posted.get("destination") not in {d.value for d in Destination}:
        return _check_in_page(request, token, number, "Choose where you are now.", 422)
    try:
        since = date.fromisoformat(posted["in_post_since"]) if posted.get("in_post_since") else None
    except ValueError:
        return _check_in_page(request, token, number, "Give the date as 2031-04-01.", 422)
    answer = AnswerCheckIn(
        by=person_id,
        number=number,
        destination=Destination(posted["destination"]),
        service_location_id=posted.get("service_location_id") or None,
        in_post_since=since,
    )
    try:
        client = await found.temporal()
        await update_alumni(client, person_id, AlumniWorkflow.answer_check_in, answer)
    except UpdateRefused as refusal:
        return _check_in_page(request, token, number, str(refusal), 409)
    except WorkflowUnreachable:
        # After two years the record is closed: the link answers as a closed check-in.
        return _check_in_page(request, token, number, "This check-in is closed.", 409)
    return render(request, "check_in_done.html", {"check_in": check_in(number)})
