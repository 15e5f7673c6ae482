"""The work behind the sign-offs, in the console: a participant's evidence for each Care
Certificate standard, their outplacement reports and their progress reviews, with the
forms to hand work in (the participant), fill a review in (the Development Lead) and
sign or send it back (participant, employer, lead); and the files, downloaded only by
those who may see the participant.

Files are stored in the document store before the Update that names them is sent; every
change is an Update on the participant's workflow in the signed-in person's name, and a
refusal is shown on the page in the rule's words with what was typed kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from temporalio.workflow import UpdateMethodMultiParam

from domain.access import is_the_participant
from domain.documents import DocumentRef
from domain.participant.commands import (
    AddEvidence,
    DraftReview,
    SendBackReview,
    SignReview,
    SubmitEvidence,
    SubmitReport,
)
from domain.participant.evidence import evidence_refusal, participant_task, with_reviewer
from domain.participant.reviews import review_of, signatory_of
from domain.participant.state import ParticipantState
from domain.participant.work import AgreedAction, EvidenceKind, HandedIn
from domain.people import Person
from domain.programme.phases import Phase
from domain.programme.tasks import (
    Task,
    TaskKind,
    care_certificate_id,
    outplacement_report_id,
    progress_review_id,
    task_key,
)
from domain.roles import SYSTEM
from scls.documents import DocumentMissing, DocumentRefused, check, document_limits
from scls.documents import store_document as keep
from scls.participant_updates import (
    UPDATE_TIMEOUT,
    UpdateRefused,
    WorkflowUnreachable,
    update_participant,
)
from scls.web.pages import render
from scls.web.records import visible_participant
from scls.web.services import WebServices, services
from scls.web.session import flash, signed_in, viewer_of
from store.directory import display_names
from workflows.participant import ParticipantWorkflow

router = APIRouter()

Services = Annotated[WebServices, Depends(services)]
SignedIn = Annotated[Person, Depends(signed_in)]
Command = TypeVar(
    "Command", AddEvidence, SubmitEvidence, SubmitReport, DraftReview, SignReview, SendBackReview
)
ACTION_ROWS = 3  # blank rows for new actions on a review's form (no script adds more)


class FormProblem(Exception):
    """What was typed cannot be sent: the message says what to change."""


@dataclass(frozen=True)
class Round:
    """One version handed in, and the reviewer's answer to it (None while awaited)."""

    version: HandedIn
    answer: Task | None


def rounds(state: ParticipantState, key: str) -> list[Round]:
    """Each version of the work behind `key` with the reviewer attempt that answers it
    (the nth attempt answers the nth version)."""
    attempts = state.attempts_of(key)
    return [
        Round(version, attempts[n] if n < len(attempts) else None)
        for n, version in enumerate(state.work_on(key).versions)
    ]


def work_page(state: ParticipantState, task: Task) -> str | None:
    """The page that shows the work behind `task`, if it has one."""
    key = task_key(task.task_id).removesuffix(".work")
    if task.kind in (TaskKind.CARE_CERTIFICATE_STANDARD, TaskKind.CARE_CERTIFICATE_EVIDENCE):
        standard = state.programme.sign_off(Phase.CARE_PLACEMENT, key)
        if standard is not None and standard.evidence:
            return f"/participants/{state.participant_id}/evidence/{key.split('.')[1]}"
    if task.kind in (TaskKind.OUTPLACEMENT_REPORT, TaskKind.OUTPLACEMENT_REPORT_WRITING):
        number = int(key.split(".")[1])
        if state.programme.outplacement(number).report_by_participant:
            return f"/participants/{state.participant_id}/reports/{number}"
    if task.kind == TaskKind.PROGRESS_REVIEW and state.programme.signed_reviews:
        return f"/participants/{state.participant_id}/reviews/{key.split('.')[1]}"
    return None


def work_context(state: ParticipantState, task: Task) -> dict[str, Any]:
    """What a task's page shows of the work behind it (templates/_work.html)."""
    page = work_page(state, task)
    if page is None:
        return {"work_page": None}
    key = task_key(task.task_id).removesuffix(".work")
    context: dict[str, Any] = {"work_page": page, "work_key": key}
    if task.kind == TaskKind.PROGRESS_REVIEW:
        number = int(key.split(".")[1])
        context.update(review=review_of(state, number), open_actions=state.open_actions(number))
    else:
        context.update(record=state.work_on(key), rounds=rounds(state, key))
    return context


def people_in_work(state: ParticipantState) -> set[str]:
    people = {state.participant_id}
    for review in state.reviews.values():
        people |= {form.drafted_by for form in review.forms}
        people |= {s.signed_by for s in review.signatures} | {r.by for r in review.returns}
        people |= {a.owner for form in review.forms for a in form.actions}
    return people


# --- pages ----------------------------------------------------------------------------------


async def _names(found: WebServices, state: ParticipantState) -> dict[str, str]:
    people = people_in_work(state) | state.people_on_record()
    people |= {t.decision.decided_by for t in state.tasks.values() if t.decision}
    return await display_names(found.pool, people)


def _work_nav(state: ParticipantState) -> dict[str, Any]:
    """Links between the participant's pages of work."""
    reports = [
        o.number
        for o in state.programme.outplacements
        if outplacement_report_id(o.number) in state.work
        or participant_task(state, outplacement_report_id(o.number))
    ]
    return {"report_numbers": reports, "review_numbers": sorted(state.reviews)}


@router.get("/participants/{participant_id}/evidence", response_class=HTMLResponse)
async def evidence_list(
    request: Request, found: Services, person: SignedIn, participant_id: str
) -> HTMLResponse:
    now = datetime.now(UTC)
    state = await visible_participant(found.pool, viewer_of(person), participant_id, now)
    if state.enrolment is None:
        raise HTTPException(404, f"Participant {participant_id} is not enrolled.")
    standards = []
    for standard in state.programme.care_certificate_standards:
        key = care_certificate_id(standard.number)
        record = state.work_on(key)
        standards.append(
            {
                "standard": standard,
                "items": len(record.items),
                "versions": len(record.versions),
                "status": _standard_status(state, key),
            }
        )
    return render(
        request,
        "evidence_list.html",
        {
            "state": state,
            "names": await _names(found, state),
            "standards": standards,
            **_work_nav(state),
        },
    )


def _standard_status(state: ParticipantState, key: str) -> str:
    if state.approval_of(key):
        return "signed off"
    if with_reviewer(state, key):
        return "with the assessor"
    if participant_task(state, key):
        return "sent back"
    if state.work_on(key).items:
        return "not handed in yet"
    return "no evidence yet"


async def _evidence_page(
    request: Request,
    found: WebServices,
    person: Person,
    participant_id: str,
    standard: int,
    *,
    refusal: str | None = None,
    entered: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    viewer = viewer_of(person)
    state = await visible_participant(found.pool, viewer, participant_id, now)
    if state.enrolment is None:
        raise HTTPException(404, f"Participant {participant_id} is not enrolled.")
    found_standard = next(
        (s for s in state.programme.care_certificate_standards if s.number == standard), None
    )
    if found_standard is None:
        raise HTTPException(404, f"There is no Care Certificate standard {standard}.")
    key = care_certificate_id(standard)
    record = state.work_on(key)
    own = is_the_participant(viewer, participant_id)
    why_not = evidence_refusal(state, standard)
    return render(
        request,
        "evidence.html",
        {
            "state": state,
            "names": await _names(found, state),
            "standard": found_standard,
            "record": record,
            "rounds": rounds(state, key),
            "status": _standard_status(state, key),
            "own": own,
            "may_add": own and why_not is None,
            "why_not": why_not,
            "may_submit": own and why_not is None and bool(record.items_not_handed_in),
            "returned": participant_task(state, key),
            "kinds": list(EvidenceKind),
            "limits": document_limits(found.settings),
            "refusal": refusal,
            "entered": entered or {},
            **_work_nav(state),
        },
        status=status,
    )


@router.get("/participants/{participant_id}/evidence/{standard}", response_class=HTMLResponse)
async def evidence_page(
    request: Request, found: Services, person: SignedIn, participant_id: str, standard: int
) -> HTMLResponse:
    return await _evidence_page(request, found, person, participant_id, standard)


@router.post("/participants/{participant_id}/evidence/{standard}", response_model=None)
async def add_evidence(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    standard: int,
    kind: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    entered = {"kind": kind, "text": text}

    async def again(refusal: str, status: int) -> HTMLResponse:
        return await _evidence_page(
            request,
            found,
            person,
            participant_id,
            standard,
            refusal=refusal,
            entered=entered,
            status=status,
        )

    try:
        if kind not in {k.value for k in EvidenceKind}:
            raise FormProblem("Choose what kind of evidence it is.")
        if not text.strip():
            raise FormProblem("Say in words what the evidence shows.")
        await _may_act(found, person, participant_id)
        documents = await _store(found, files or [])
    except (FormProblem, DocumentRefused) as problem:
        return await again(str(problem), 422)
    command = AddEvidence(
        by=person.person_id,
        standard=standard,
        kind=EvidenceKind(kind),
        text=text.strip(),
        documents=documents,
    )
    state = await _send(found, participant_id, ParticipantWorkflow.add_evidence, command)
    if isinstance(state, str):
        return await again(state, 409)
    item = state.work_on(care_certificate_id(standard)).items[-1]
    flash(request, f"Evidence {item.item} added to standard {standard}. Hand it in when ready.")
    return RedirectResponse(f"/participants/{participant_id}/evidence/{standard}", status_code=303)


@router.post("/participants/{participant_id}/evidence/{standard}/submit", response_model=None)
async def submit_evidence(
    request: Request, found: Services, person: SignedIn, participant_id: str, standard: int
) -> HTMLResponse | RedirectResponse:
    await _may_act(found, person, participant_id)
    command = SubmitEvidence(by=person.person_id, standard=standard)
    state = await _send(found, participant_id, ParticipantWorkflow.submit_evidence, command)
    if isinstance(state, str):
        return await _evidence_page(
            request, found, person, participant_id, standard, refusal=state, status=409
        )
    version = len(state.work_on(care_certificate_id(standard)).versions)
    flash(request, f"Standard {standard} handed in (version {version}) for the assessor.")
    return RedirectResponse(f"/participants/{participant_id}/evidence/{standard}", status_code=303)


async def _report_page(
    request: Request,
    found: WebServices,
    person: Person,
    participant_id: str,
    number: int,
    *,
    refusal: str | None = None,
    entered: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    viewer = viewer_of(person)
    state = await visible_participant(found.pool, viewer, participant_id, datetime.now(UTC))
    if state.enrolment is None or not any(
        o.number == number for o in state.programme.outplacements
    ):
        raise HTTPException(404, f"There is no outplacement {number}.")
    key = outplacement_report_id(number)
    record = state.work_on(key)
    writing = participant_task(state, key)
    latest = record.latest
    return render(
        request,
        "report.html",
        {
            "state": state,
            "names": await _names(found, state),
            "outplacement": state.programme.outplacement(number),
            "record": record,
            "rounds": rounds(state, key),
            "writing": writing,
            "may_write": is_the_participant(viewer, participant_id) and writing is not None,
            "draft": (entered or {}).get("text", latest.text if latest else ""),
            "limits": document_limits(found.settings),
            "refusal": refusal,
            **_work_nav(state),
        },
        status=status,
    )


@router.get("/participants/{participant_id}/reports/{number}", response_class=HTMLResponse)
async def report_page(
    request: Request, found: Services, person: SignedIn, participant_id: str, number: int
) -> HTMLResponse:
    return await _report_page(request, found, person, participant_id, number)


@router.post("/participants/{participant_id}/reports/{number}", response_model=None)
async def submit_report(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    number: int,
    text: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    entered = {"text": text}
    try:
        if not text.strip():
            raise FormProblem("Write the report before handing it in.")
        await _may_act(found, person, participant_id)
        documents = await _store(found, files or [])
    except (FormProblem, DocumentRefused) as problem:
        return await _report_page(
            request,
            found,
            person,
            participant_id,
            number,
            refusal=str(problem),
            entered=entered,
            status=422,
        )
    command = SubmitReport(
        by=person.person_id, outplacement=number, text=text.strip(), documents=documents
    )
    state = await _send(found, participant_id, ParticipantWorkflow.submit_report, command)
    if isinstance(state, str):
        return await _report_page(
            request,
            found,
            person,
            participant_id,
            number,
            refusal=state,
            entered=entered,
            status=409,
        )
    review = state.attempts_of(outplacement_report_id(number))[-1]
    names = await display_names(found.pool, {review.assignee})
    flash(
        request,
        f"Report handed in (version {len(state.work_on(review.key).versions)}); "
        f"{names.get(review.assignee, review.assignee)} reviews it.",
    )
    return RedirectResponse(f"/participants/{participant_id}/reports/{number}", status_code=303)


async def _review_page(
    request: Request,
    found: WebServices,
    person: Person,
    participant_id: str,
    number: int,
    *,
    refusal: str | None = None,
    entered: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now = datetime.now(UTC)
    viewer = viewer_of(person)
    state = await visible_participant(found.pool, viewer, participant_id, now)
    attempts = state.attempts_of(progress_review_id(number))
    if state.enrolment is None or not attempts:
        raise HTTPException(404, f"Participant {participant_id} has no progress review {number}.")
    task = attempts[-1]
    review = review_of(state, number)
    me = person.person_id
    open_ = task.is_open and state.programme.signed_reviews
    is_author = me == task.assignee or state.delegate_of(task.assignee, now) == me
    signatory = signatory_of(state, me)
    answerable = open_ and review.form is not None and review.returned is None
    form = review.form
    return render(
        request,
        "review.html",
        {
            "state": state,
            "names": await _names(found, state),
            "task": task,
            "review": review,
            "open_actions": state.open_actions(number),
            "may_draft": open_ and is_author and not review.current_signatures,
            "may_sign": answerable
            and signatory is not None
            and review.signature_of(signatory[0]) is None,
            "may_send_back": answerable and signatory is not None,
            "signatory": signatory[0] if signatory else None,
            # Who may own an action: the participant first, then the people around them.
            "people": [
                participant_id,
                *sorted(p for p in state.people_on_record() if p not in (participant_id, SYSTEM)),
            ],
            "entered": entered
            or (
                {
                    "progress": form.progress,
                    "concerns": form.concerns,
                    "wellbeing": form.wellbeing,
                    "actions": [a.model_dump() for a in form.actions],
                }
                if form
                else {}
            ),
            "action_rows": ACTION_ROWS,
            "now": now,
            "refusal": refusal,
            **_work_nav(state),
        },
        status=status,
    )


@router.get("/participants/{participant_id}/reviews/{number}", response_class=HTMLResponse)
async def review_page(
    request: Request, found: Services, person: SignedIn, participant_id: str, number: int
) -> HTMLResponse:
    return await _review_page(request, found, person, participant_id, number)


@router.post("/participants/{participant_id}/reviews/{number}", response_model=None)
async def draft_review(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    number: int,
    progress: Annotated[str, Form()] = "",
    concerns: Annotated[str, Form()] = "",
    wellbeing: Annotated[str, Form()] = "",
    action_what: Annotated[list[str] | None, Form()] = None,
    action_owner: Annotated[list[str] | None, Form()] = None,
    action_due: Annotated[list[str] | None, Form()] = None,
    done: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse | RedirectResponse:
    rows = list(zip(action_what or [], action_owner or [], action_due or [], strict=False))
    entered: dict[str, Any] = {
        "progress": progress,
        "concerns": concerns,
        "wellbeing": wellbeing,
        "actions": [{"what": w, "owner": o, "due": d} for w, o, d in rows],
        "done": done or [],
    }
    try:
        if not progress.strip() or not wellbeing.strip():
            raise FormProblem("Say how they have progressed and how they are (wellbeing).")
        command = DraftReview(
            by=person.person_id,
            review=number,
            progress=progress.strip(),
            concerns=concerns.strip(),
            wellbeing=wellbeing.strip(),
            actions=tuple(_action(w, o, d) for w, o, d in rows if w.strip()),
            actions_completed=tuple(done or []),
        )
    except FormProblem as problem:
        return await _review_page(
            request,
            found,
            person,
            participant_id,
            number,
            refusal=str(problem),
            entered=entered,
            status=422,
        )
    await _may_act(found, person, participant_id)
    state = await _send(found, participant_id, ParticipantWorkflow.draft_review, command)
    if isinstance(state, str):
        return await _review_page(
            request,
            found,
            person,
            participant_id,
            number,
            refusal=state,
            entered=entered,
            status=409,
        )
    flash(request, f"Progress review {number} filled in: it waits for three signatures.")
    return RedirectResponse(f"/participants/{participant_id}/reviews/{number}", status_code=303)


def _action(what: str, owner: str, due: str) -> AgreedAction:
    try:
        when = date.fromisoformat(due)
    except ValueError:
        raise FormProblem(f"Action {what.strip()!r}: give the date it is due by.") from None
    if not owner:
        raise FormProblem(f"Action {what.strip()!r}: choose who owns it.")
    return AgreedAction(what=what.strip(), owner=owner, due=when)


@router.post("/participants/{participant_id}/reviews/{number}/sign", response_model=None)
async def sign_review(
    request: Request, found: Services, person: SignedIn, participant_id: str, number: int
) -> HTMLResponse | RedirectResponse:
    await _may_act(found, person, participant_id)
    command = SignReview(by=person.person_id, review=number)
    state = await _send(found, participant_id, ParticipantWorkflow.sign_review, command)
    if isinstance(state, str):
        return await _review_page(
            request, found, person, participant_id, number, refusal=state, status=409
        )
    review = state.reviews[number]
    message = f"You signed progress review {number}."
    if review.fully_signed:
        message += " All three have signed: the review is closed."
    flash(request, message)
    return RedirectResponse(f"/participants/{participant_id}/reviews/{number}", status_code=303)


@router.post("/participants/{participant_id}/reviews/{number}/send-back", response_model=None)
async def send_back_review(
    request: Request,
    found: Services,
    person: SignedIn,
    participant_id: str,
    number: int,
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    if not reason.strip():
        return await _review_page(
            request,
            found,
            person,
            participant_id,
            number,
            refusal="Say what must change before you sign.",
            status=422,
        )
    await _may_act(found, person, participant_id)
    command = SendBackReview(by=person.person_id, review=number, reason=reason.strip())
    state = await _send(found, participant_id, ParticipantWorkflow.send_back_review, command)
    if isinstance(state, str):
        return await _review_page(
            request, found, person, participant_id, number, refusal=state, status=409
        )
    flash(request, f"Progress review {number} sent back: the Development Lead fills it in again.")
    return RedirectResponse(f"/participants/{participant_id}/reviews/{number}", status_code=303)


@router.get("/participants/{participant_id}/documents/{sha256}", response_model=None)
async def download(found: Services, person: SignedIn, participant_id: str, sha256: str) -> Response:
    """A file on the participant's record, to those who may see the participant."""
    state = await visible_participant(
        found.pool, viewer_of(person), participant_id, datetime.now(UTC)
    )
    ref = next(
        (
            doc
            for record in state.work.values()
            for doc in record.documents()
            if doc.sha256 == sha256
        ),
        None,
    )
    if ref is None:
        raise HTTPException(404, f"Participant {participant_id} has no such file on record.")
    try:
        data = await found.documents().get(sha256)
    except DocumentMissing:
        raise HTTPException(404, f"{ref.name} is on record but missing from the store.") from None
    return Response(
        content=data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(ref.name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- sending --------------------------------------------------------------------------------


async def _may_act(found: WebServices, person: Person, participant_id: str) -> None:
    """Whatever the page showed: someone who may not see the participant never reaches
    their workflow (nor the document store)."""
    await visible_participant(found.pool, viewer_of(person), participant_id, datetime.now(UTC))


async def _store(found: WebServices, uploads: list[UploadFile]) -> tuple[DocumentRef, ...]:
    """The uploaded files in the document store: all checked against its limits first,
    so one file past them stores none."""
    limits = document_limits(found.settings)
    chosen = [upload for upload in uploads if upload.filename]  # an empty file input
    for upload in chosen:
        check(upload.filename or "", upload.size or 0, limits)
    refs = []
    for upload in chosen:
        data = await upload.read()
        refs.append(await keep(found.documents(), limits, upload.filename or "", data))
    return tuple(refs)


async def _send(
    found: WebServices,
    participant_id: str,
    update: UpdateMethodMultiParam[[ParticipantWorkflow, Command], ParticipantState],
    command: Command,
) -> ParticipantState | str:
    """The Update's new state, or the refusal in the rule's words."""
    try:
        client = await found.temporal()
        return await update_participant(client, participant_id, update, command, UPDATE_TIMEOUT)
    except UpdateRefused as refusal:
        return str(refusal)
    except WorkflowUnreachable as problem:
        raise HTTPException(503, f"Nothing was recorded: {problem}") from None
