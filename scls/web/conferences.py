"""Conference attendance, for ops: one conference of a cohort with each participant marked
attended or absent, sent to the cohort's workflow as the `record_attendance` Update in the
signed-in person's name (the rules let only the cohort's ops lead record it, and a record
adds to what is on record). A refusal is shown on the page in the rule's words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.access import may_view_cohorts
from domain.cohort.state import CohortState, ConferenceRecord
from domain.people import Person
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    UpdateRefused,
    WorkflowUnreachable,
    update_cohort,
)
from scls.web.pages import render
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from store.cohort_summary import COHORT_SUMMARY
from store.directory import display_names
from workflows.cohort import AttendanceRecord, CohortWorkflow

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]

ATTENDED = "attended"
ABSENT = "absent"


async def _conference(
    found: WebServices, person: Person, cohort_id: str, number: int
) -> tuple[CohortState, ConferenceRecord]:
    if not may_view_cohorts(viewer_of(person)):
        raise HTTPException(403, "Conference attendance is for the scheme's ops staff.")
    cohort = await COHORT_SUMMARY.load(found.pool, cohort_id)
    if cohort is None:
        raise HTTPException(404, f"There is no cohort {cohort_id}.")
    conference = cohort.conferences.get(number)
    if conference is None:
        raise HTTPException(404, f"Cohort {cohort_id} has no conference {number}.")
    return cohort, conference


async def _page(
    request: Request,
    found: WebServices,
    cohort: CohortState,
    conference: ConferenceRecord,
    *,
    marked: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    on_record = {pid: ATTENDED for pid in conference.attended} | {
        pid: ABSENT for pid in conference.absent
    }
    names = await display_names(found.pool, cohort.members)
    members = sorted(cohort.members, key=lambda pid: (names[pid], pid))
    return render(
        request,
        "conference.html",
        {
            "cohort": cohort,
            "conference": conference,
            "members": [(pid, names[pid]) for pid in members],
            "marked": marked if marked is not None else on_record,
            "refusal": refusal,
        },
        status=status,
    )


@router.get("/cohorts/{cohort_id}/conferences/{number}", response_class=HTMLResponse)
async def conference_page(
    request: Request, found: Services, person: SignedIn, cohort_id: str, number: int
) -> HTMLResponse:
    cohort, conference = await _conference(found, person, cohort_id, number)
    return await _page(request, found, cohort, conference)


@router.post("/cohorts/{cohort_id}/conferences/{number}", response_model=None)
async def record_attendance(
    request: Request, found: Services, person: SignedIn, cohort_id: str, number: int
) -> HTMLResponse | RedirectResponse:
    cohort, conference = await _conference(found, person, cohort_id, number)
    form = await request.form()
    marked = {
        pid: value
        for pid in cohort.members
        if (value := form.get(f"member-{pid}")) in (ATTENDED, ABSENT) and isinstance(value, str)
    }
    if not marked:
        return await _page(
            request,
            found,
            cohort,
            conference,
            marked=marked,
            refusal="Mark who attended or was absent first.",
            status=422,
        )
    record = AttendanceRecord(
        number=number,
        attended=tuple(pid for pid, value in marked.items() if value == ATTENDED),
        absent=tuple(pid for pid, value in marked.items() if value == ABSENT),
        recorded_by=person.person_id,
    )
    try:
        client = await found.temporal()
        summary = await update_cohort(
            client, cohort_id, CohortWorkflow.record_attendance, record, UPDATE_TIMEOUT
        )
    except UpdateRefused as refusal:
        return await _page(
            request, found, cohort, conference, marked=marked, refusal=str(refusal), status=409
        )
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Nothing was recorded: {problem}") from None
    held = next(c for c in summary.conferences if c.number == number)
    flash(
        request,
        f"Conference {number} recorded: {len(held.attended)} attended, {len(held.absent)} absent.",
    )
    return RedirectResponse(f"/cohorts/{cohort_id}#conferences", status_code=303)
