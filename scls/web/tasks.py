"""My tasks, and one task with the participant's context and the decision form.

The answer goes to the participant's workflow as the `decide` Update, in the signed-in
person's name; a refusal by the scheme's rules is shown on the task's page in the
validator's own words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from domain.access import may_answer, may_see_all_tasks
from domain.participant.feedback import is_feedback_task
from domain.participant.reviews import signed_review
from domain.participant.state import ParticipantState
from domain.people import Person
from domain.programme.task_policy import policy_for
from domain.programme.tasks import Outcome, TaskKind
from domain.roles import Role
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    UpdateRefused,
    WorkflowUnreachable,
    update_participant,
)
from scls.web.pages import render
from scls.web.records import event_lines, visible_participant
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from scls.web.work import people_in_work, work_context
from store.directory import display_names
from store.inbox import open_tasks
from workflows.participant import ParticipantWorkflow, TaskDecision

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]


@router.get("/", include_in_schema=False)
async def home(person: SignedIn) -> RedirectResponse:
    """The start page: a participant's is their programme, anyone else's their tasks."""
    start = "/my-programme" if Role.PARTICIPANT in person.roles else "/tasks"
    return RedirectResponse(start, status_code=303)


@router.get("/tasks", response_class=HTMLResponse)
async def my_tasks(
    request: Request,
    found: Services,
    person: SignedIn,
    kind: str | None = None,
    participant: str | None = None,
    scope: str = "mine",
) -> HTMLResponse:
    viewer = viewer_of(person)
    everyone = scope == "all" and may_see_all_tasks(viewer)
    chosen_kind = TaskKind(kind) if kind in {k.value for k in TaskKind} and kind else None
    assignee = None if everyone else person.person_id
    entries = await open_tasks(
        found.pool,
        assignee=assignee,
        kind=chosen_kind,
        participant=participant or None,
        sort="due",
    )
    # The participants to filter by: those of the unfiltered list.
    everything = (
        entries
        if chosen_kind is None and not participant
        else await open_tasks(found.pool, assignee=assignee, sort="due")
    )
    participants = sorted({(e.participant_id, e.participant_name) for e in everything})
    return render(
        request,
        "tasks.html",
        {
            "entries": entries,
            "kinds": list(TaskKind),
            "kind": chosen_kind,
            "participants": participants,
            "participant": participant or "",
            "everyone": everyone,
            "may_see_all": may_see_all_tasks(viewer),
            "overdue": sum(1 for e in entries if e.overdue),
        },
    )


async def _task_page(
    request: Request,
    found: Services,
    person: Person,
    participant_id: str,
    task_id: str,
    *,
    refusal: str | None = None,
    state: ParticipantState | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    viewer = viewer_of(person)
    if state is None:
        state = await visible_participant(found.pool, viewer, participant_id, now)
    task = state.tasks.get(task_id)
    if task is None:
        raise HTTPException(404, f"Participant {participant_id} has no task {task_id}.")
    policy = policy_for(task.kind)
    people = {participant_id, task.assignee}
    if task.decision is not None:
        people |= {task.decision.decided_by, task.decision.on_behalf_of or task.assignee}
    work = work_context(state, task)
    if work["work_page"] is not None:
        people |= people_in_work(state)
    names = await display_names(found.pool, people)
    summary = state.summary()
    return render(
        request,
        "task.html",
        {
            "state": state,
            "summary": summary,
            "task": task,
            "names": names,
            "overdue": task.is_overdue(now),
            "answerable": may_answer(viewer, state, task, now),
            "outcomes": [
                (outcome, rule.needs_comment) for outcome, rule in policy.outcomes.items()
            ],
            "events": await event_lines(found.pool, participant_id, last=8),
            "refusal": refusal,
            # Work handed in and signed reviews are answered on their own page's forms.
            "decided_here": not policy.handed_in and not signed_review(state, task),
            **work,
        },
        status=status,
    )


@router.get("/tasks/{participant_id}/{task_id}", response_model=None)
async def task_page(
    request: Request, found: Services, person: SignedIn, participant_id: str, task_id: str
) -> HTMLResponse | RedirectResponse:
    if is_feedback_task(task_id):
        # Feedback is answered with its form, not decided.
        return RedirectResponse(f"/feedback/{participant_id}/{task_id}", status_code=303)
    return await _task_page(request, found, person, participant_id, task_id)


@router.post("/tasks/{participant_id}/{task_id}", response_model=None)
async def decide(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    task_id: str,
    outcome: Annotated[str | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    # Whatever the page showed: someone who may not see the participant never reaches
    # their workflow.
    await visible_participant(found.pool, viewer_of(person), participant_id, datetime.now(UTC))
    if outcome is None or outcome not in {o.value for o in Outcome}:
        return await _task_page(
            request,
            found,
            person,
            participant_id,
            task_id,
            refusal="Choose an answer first.",
            status=422,
        )
    decision = TaskDecision(
        task_id=task_id,
        decided_by=person.person_id,
        outcome=Outcome(outcome),
        comment=comment.strip() or None,
    )
    try:
        client = await found.temporal()
        state = await update_participant(
            client, participant_id, ParticipantWorkflow.decide, decision, UPDATE_TIMEOUT
        )
    except UpdateRefused as refusal:
        return await _task_page(
            request, found, person, participant_id, task_id, refusal=str(refusal), status=409
        )
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Your answer was not recorded: {problem}") from None
    decided = state.tasks[task_id]
    message = f"Recorded: {decided.title} — {decided.status.value.replace('_', ' ')}."
    again = [t for t in state.open_tasks if t.key == decided.key and t.task_id != task_id]
    back = [t for t in state.open_tasks if t.key == f"{decided.key}.work"]
    if again:
        message += f" It is asked again, due {again[0].due_at:%d %b %Y}."
    elif back:
        message += f" It goes back to the participant, due {back[0].due_at:%d %b %Y}."
    flash(request, message)
    return RedirectResponse(f"/tasks/{participant_id}/{task_id}", status_code=303)
