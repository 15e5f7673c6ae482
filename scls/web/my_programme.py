"""My programme: the signed-in participant's own record, as domain.participant.my_programme
builds it from their state and their cohort's, with the people around them named from the
directory (and how to reach them), and the notes of their coaching and mentoring sessions,
which are theirs to read.

The page takes no participant id: it is always the signed-in person's own, so nobody can
ask it for someone else's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from domain.participant.my_programme import MyProgramme, my_programme
from domain.people import Person
from scls.web.charts import phase_timeline
from scls.web.pages import render
from scls.web.services import WebServices, services
from scls.web.session import signed_in
from store.cohort_summary import COHORT_SUMMARY
from store.directory import people_by_id
from store.participant_progress import PARTICIPANT_PROGRESS
from store.session_notes import session_notes

router = APIRouter()

# Sign-offs shown at first, the latest; the rest are a click away (a phone's screen holds
# a handful, and the care placement alone brings seventeen).
LATEST_SIGN_OFFS = 6

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]


@router.get("/my-programme", response_class=HTMLResponse)
async def my_programme_page(request: Request, found: Services, person: SignedIn) -> HTMLResponse:
    now = datetime.now(UTC)
    state = await PARTICIPANT_PROGRESS.load(found.pool, person.person_id)
    if state is None or state.enrolment is None:
        return render(request, "my_programme.html", {"view": None})
    cohort = await COHORT_SUMMARY.load(found.pool, state.cohort_id or "")
    view = my_programme(state, cohort, now)
    notes = await session_notes(
        found.pool, state.participant_id, [s.number for s in view.sessions if s.has_notes]
    )
    return render(
        request,
        "my_programme.html",
        {
            "view": view,
            "now": now,
            "timeline": phase_timeline(state, now),
            "people": await people_by_id(found.pool, _people_shown(view)),
            "notes": notes,
            "latest_sign_offs": LATEST_SIGN_OFFS,
        },
    )


def _people_shown(view: MyProgramme) -> set[str]:
    people = {supporter.person_id for supporter in view.support}
    people |= set(view.course_partners)
    people |= {waiting.person for waiting in view.waiting_on}
    people |= {w.on_behalf_of for w in view.waiting_on if w.on_behalf_of}
    people |= {sign_off.by for sign_off in view.sign_offs}
    people |= {session.recorded_by for session in view.sessions}
    return people
