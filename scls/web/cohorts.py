"""The ops dashboard: every cohort's participants per phase, RAG counts, overdue tasks,
open interventions, coaching and mentoring missed, and conference schedule, with a page
per cohort that links down to its participants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from domain.access import may_view_cohorts
from domain.people import Person
from domain.programme.phases import ParticipantStatus, Phase
from domain.rag import RagStatus
from scls.web.charts import bars
from scls.web.pages import render
from scls.web.services import WebServices, services
from scls.web.session import signed_in, viewer_of
from store.cohort_summary import COHORT_SUMMARY
from store.dashboard import cohort_counts, cohort_participants, cohort_states, open_cases
from store.session_cadence import session_cadences

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]

UPCOMING_CONFERENCES = 8


def _require_ops(person: Person) -> None:
    if not may_view_cohorts(viewer_of(person)):
        raise HTTPException(403, "The cohort dashboard is for the scheme's ops staff.")


@router.get("/cohorts", response_class=HTMLResponse)
async def dashboard(request: Request, found: Services, person: SignedIn) -> HTMLResponse:
    _require_ops(person)
    now = datetime.now(UTC)
    counts = await cohort_counts(found.pool, now)
    cohorts = await cohort_states(found.pool)
    per_phase = {
        phase: sum(c.headcount.per_phase.get(phase, 0) for c in counts.values()) for phase in Phase
    }
    per_rag = {
        rag.value: sum(c.headcount.rag.get(rag, 0) for c in counts.values()) for rag in RagStatus
    }
    upcoming = sorted(
        (
            (conference.starts_on, cohort_id, conference)
            for cohort_id, cohort in cohorts.items()
            for conference in cohort.coming_conferences(now)
        ),
        key=lambda item: (item[0], item[1]),
    )[:UPCOMING_CONFERENCES]
    return render(
        request,
        "dashboard.html",
        {
            "counts": [counts[c] for c in sorted(counts)],
            "cohorts": cohorts,
            "phases": list(Phase),
            "phase_bars": bars({phase.label: n for phase, n in per_phase.items()}),
            "per_rag": per_rag,
            "participants": sum(c.headcount.participants for c in counts.values()),
            "active": sum(
                c.headcount.per_status.get(ParticipantStatus.ACTIVE, 0) for c in counts.values()
            ),
            "open_tasks": sum(c.open_tasks for c in counts.values()),
            "overdue_tasks": sum(c.overdue_tasks for c in counts.values()),
            "open_cases": await open_cases(found.pool),
            "upcoming": upcoming,
            "missed_sessions": await session_cadences(found.pool, missed_only=True, now=now),
        },
    )


@router.get("/cohorts/{cohort_id}", response_class=HTMLResponse)
async def cohort_page(
    request: Request, found: Services, person: SignedIn, cohort_id: str
) -> HTMLResponse:
    _require_ops(person)
    rows = await cohort_participants(found.pool, cohort_id, datetime.now(UTC))
    cohort = await COHORT_SUMMARY.load(found.pool, cohort_id)
    if not rows and cohort is None:
        raise HTTPException(404, f"There is no cohort {cohort_id}.")
    return render(request, "cohort.html", {"cohort_id": cohort_id, "rows": rows, "cohort": cohort})
