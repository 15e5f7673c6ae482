"""`scls evidence`, `scls reports`, `scls reviews`: the work behind the sign-offs, for
scripts. Evidence for a Care Certificate standard and outplacement reports are handed
in by the participant (files go to the document store first; only their references go
to the workflow); progress review forms are filled in by the Development Lead and signed
by the participant, employer and lead. Every change is an Update on the participant's
workflow, whose rules refuse what they do not allow. Exit codes: 0 done, 1 refused by
the scheme's rules (a file past the store's limits too), 2 a usage or configuration
problem (unknown participant, unreadable file, unreachable server).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from domain.participant.work import AgreedAction, EvidenceKind
from domain.programme.tasks import (
    care_certificate_id,
    outplacement_report_id,
    progress_review_id,
)
from scls.cli.common import named, settings_and_logging, when
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import TimeoutOption, refused, run_update, state_and_names
from scls.participant_updates import UPDATE_TIMEOUT

if TYPE_CHECKING:
    from domain.documents import DocumentRef
    from domain.participant.state import ParticipantState
    from domain.participant.work import ProgressReview, WorkRecord

stdout = console()

evidence = typer.Typer()
reports = typer.Typer()
reviews = typer.Typer()

ParticipantArgument = Annotated[str, typer.Argument(metavar="PID", help="The participant's id.")]
StandardArgument = Annotated[int, typer.Argument(metavar="STANDARD", min=1, help="Its number.")]
ReviewArgument = Annotated[int, typer.Argument(metavar="REVIEW", min=1, help="Its number.")]
AsOption = Annotated[str, typer.Option("--as", help="Who acts (a person id).")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON, for scripts.")]
FilesOption = Annotated[
    list[Path] | None, typer.Option("--file", help="A file to attach (again for more).")
]


def _stored(files: list[Path] | None) -> tuple[DocumentRef, ...]:
    """The files in the document store, checked against its limits first: a file past
    them is refused (exit 1) and nothing of the command is done."""
    from scls.documents import (
        DocumentRefused,
        check,
        document_limits,
        document_store,
        store_document,
    )

    settings = settings_and_logging()
    store, limits = document_store(settings), document_limits(settings)
    refs = []
    for path in files or []:
        if not path.is_file():
            fail(f"no such file: {path}")
        try:
            # The size first: a file far past the limit is never read into memory.
            if path.stat().st_size > limits.max_bytes:
                check(path.name, path.stat().st_size, limits)
            refs.append(asyncio.run(store_document(store, limits, path.name, path.read_bytes())))
        except DocumentRefused as refusal:
            refused(str(refusal))
    return tuple(refs)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def _work_lines(record: WorkRecord, names: dict[str, str]) -> list[str]:
    lines = []
    for item in record.items:
        files = "".join(
            f"\n      file {d.name} ({d.content_type}, {d.size} bytes) {d.sha256}"
            for d in item.documents
        )
        lines.append(
            f"  item {item.item} ({item.kind.value}, {when(item.added_at)} UTC): "
            f"{escape(item.text)}{escape(files)}"
        )
    for version in record.versions:
        held = f"items {', '.join(map(str, version.items))}" if version.items else "report"
        lines.append(
            f"  version {version.version} handed in {when(version.submitted_at)} UTC by "
            f"{escape(named(version.submitted_by, names))}: {held}"
        )
        if version.text:
            lines.append(f"    {escape(version.text)}")
        lines += [f"    file {escape(d.name)} {d.sha256}" for d in version.documents]
    return lines


def _answers(state: ParticipantState, key: str, names: dict[str, str]) -> list[str]:
    lines = []
    for task in state.attempts_of(key):
        decision = task.decision
        if decision is None:
            lines.append(f"  {task.task_id}: open for {escape(named(task.assignee, names))}")
            continue
        comment = f": {decision.comment}" if decision.comment else ""
        lines.append(
            f"  {task.task_id}: {decision.outcome.in_words} by "
            f"{escape(named(decision.decided_by, names))}{escape(comment)}"
        )
    return lines


# --- evidence -------------------------------------------------------------------------------


@evidence.command("add")
@expected_errors
def add_evidence_command(
    participant_id: ParticipantArgument,
    standard: StandardArgument,
    by: AsOption,
    kind: Annotated[EvidenceKind, typer.Option(help="knowledge or observation.")],
    text: Annotated[str, typer.Option(help="What it shows, in words.")],
    file: FilesOption = None,
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Add an item of evidence (text, files) for a Care Certificate standard."""
    from domain.participant.commands import AddEvidence
    from workflows.participant import ParticipantWorkflow

    if not text.strip():
        fail("--text: say what the evidence shows")
    command = AddEvidence(
        by=by, standard=standard, kind=kind, text=text.strip(), documents=_stored(file)
    )
    state = run_update(participant_id, ParticipantWorkflow.add_evidence, command, timeout)
    record = state.work_on(care_certificate_id(standard))
    if as_json:
        _print_json(record.items[-1].model_dump(mode="json"))
        return
    stdout.print(
        f"{escape(participant_id)}: evidence item {record.items[-1].item} added to standard "
        f"{standard} ({len(record.items_not_handed_in)} not handed in yet)"
    )


@evidence.command("submit")
@expected_errors
def submit_evidence_command(
    participant_id: ParticipantArgument,
    standard: StandardArgument,
    by: AsOption,
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Hand a standard's evidence in for the assessor to answer."""
    from domain.participant.commands import SubmitEvidence
    from workflows.participant import ParticipantWorkflow

    command = SubmitEvidence(by=by, standard=standard)
    state = run_update(participant_id, ParticipantWorkflow.submit_evidence, command, timeout)
    key = care_certificate_id(standard)
    record = state.work_on(key)
    if as_json:
        _print_json(record.model_dump(mode="json"))
        return
    assessor = state.attempts_of(key)[-1]
    stdout.print(
        f"{escape(participant_id)}: standard {standard} handed in (version "
        f"{len(record.versions)}); {assessor.task_id} is {escape(assessor.assignee)}'s to answer"
    )


@evidence.command("list")
@expected_errors
def list_evidence_command(
    participant_id: ParticipantArgument,
    standard: Annotated[int | None, typer.Option(help="Only this standard.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Each standard's evidence, versions handed in and answers."""
    state, names = asyncio.run(state_and_names(settings_and_logging(), participant_id))
    if state.enrolment is None:
        fail(f"participant {participant_id} is not enrolled")
    standards = state.programme.care_certificate_standards
    chosen = [s for s in standards if standard is None or s.number == standard]
    if not chosen:
        fail(f"there is no Care Certificate standard {standard} (1 to {len(standards)})")
    if as_json:
        _print_json(
            [
                {
                    "standard": s.number,
                    "title": s.title,
                    "signed_off": state.approval_of(care_certificate_id(s.number)) is not None,
                    **state.work_on(care_certificate_id(s.number)).model_dump(mode="json"),
                    "answers": [
                        t.model_dump(mode="json")
                        for t in state.attempts_of(care_certificate_id(s.number))
                    ],
                }
                for s in chosen
            ]
        )
        return
    for s in chosen:
        key = care_certificate_id(s.number)
        done = " [green]signed off[/green]" if state.approval_of(key) else ""
        stdout.print(f"[bold]standard {s.number}[/bold] {escape(s.title)}{done}")
        lines = _work_lines(state.work_on(key), names) + _answers(state, key, names)
        stdout.print("\n".join(lines) if lines else "  no evidence yet")


# --- reports ---------------------------------------------------------------------------------


@reports.command("submit")
@expected_errors
def submit_report_command(
    participant_id: ParticipantArgument,
    outplacement: Annotated[int, typer.Argument(metavar="OUTPLACEMENT", min=1, help="1 to 3.")],
    by: AsOption,
    text: Annotated[str | None, typer.Option(help="The report.")] = None,
    text_file: Annotated[Path | None, typer.Option(help="The report, from a text file.")] = None,
    file: FilesOption = None,
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Hand in the report on an outplacement, for the employer mentor to review."""
    from domain.participant.commands import SubmitReport
    from workflows.participant import ParticipantWorkflow

    if (text is None) == (text_file is None):
        fail("give the report as --text or --text-file, one of the two")
    if text_file is not None:
        if not text_file.is_file():
            fail(f"no such file: {text_file}")
        text = text_file.read_text(encoding="utf-8")
    assert text is not None
    if not text.strip():
        fail("the report is empty")
    command = SubmitReport(
        by=by, outplacement=outplacement, text=text.strip(), documents=_stored(file)
    )
    state = run_update(participant_id, ParticipantWorkflow.submit_report, command, timeout)
    key = outplacement_report_id(outplacement)
    record = state.work_on(key)
    if as_json:
        _print_json(record.model_dump(mode="json"))
        return
    review = state.attempts_of(key)[-1]
    stdout.print(
        f"{escape(participant_id)}: report on outplacement {outplacement} handed in (version "
        f"{len(record.versions)}); {review.task_id} is {escape(review.assignee)}'s to review"
    )


# --- progress reviews ---------------------------------------------------------------------------


def _review_lines(
    state: ParticipantState, review: ProgressReview, names: dict[str, str]
) -> list[str]:
    key = progress_review_id(review.number)
    task = state.attempts_of(key)[-1] if state.attempts_of(key) else None
    status = task.status.value.replace("_", " ") if task else "not open yet"
    lines = [f"[bold]progress review {review.number}[/bold]  {escape(state.participant_id)}"]
    if task is not None:
        lines.append(f"status       {status}, due {when(task.due_at)} UTC")
    form = review.form
    if form is None:
        return [*lines, "form         not filled in yet"]
    share = form.management
    lines += [
        f"form         version {form.version}, by {escape(named(form.drafted_by, names))} "
        f"on {when(form.drafted_at)} UTC",
        f"progress     {escape(form.progress)}",
        f"wellbeing    {escape(form.wellbeing)}",
        f"concerns     {escape(form.concerns or 'none')}",
        "management   "
        + (
            "no target in this phase"
            if share.target == 0
            else f"{share.share:.0%} against {share.target:.0%} "
            f"({share.weeks_recorded} weeks recorded, {share.weeks_verified} verified)"
            if share.share is not None
            else f"target {share.target:.0%}, {share.weeks_recorded} weeks recorded"
        ),
    ]
    for action in form.actions:
        lines.append(
            f"action {action.number}   {escape(action.what)} "
            f"({escape(named(action.owner, names))}, by {action.due})"
        )
    if form.actions_completed:
        lines.append(f"done         {', '.join(form.actions_completed)}")
    for earlier in state.open_actions(review.number):
        lines.append(f"open action  {earlier.number} {escape(earlier.what)}")
    for signature in review.current_signatures:
        lines.append(
            f"signed       {signature.signatory.in_words}: "
            f"{escape(named(signature.signed_by, names))} on {when(signature.signed_at)} UTC"
        )
    if review.returned is not None:
        back = review.returned
        lines.append(f"sent back    by {escape(named(back.by, names))}: {escape(back.reason)}")
    elif review.waiting_for:
        lines.append("waiting for  " + ", ".join(part.in_words for part in review.waiting_for))
    return lines


@reviews.command("show")
@expected_errors
def show_review_command(
    participant_id: ParticipantArgument, review: ReviewArgument, as_json: JsonOption = False
) -> None:
    """A progress review: its form, actions, signatures."""
    from domain.participant.reviews import review_of

    state, names = asyncio.run(state_and_names(settings_and_logging(), participant_id))
    found = review_of(state, review)
    if not state.attempts_of(progress_review_id(review)):
        fail(f"participant {participant_id} has no progress review {review}")
    if as_json:
        shown = found.model_dump(mode="json")
        shown.update(
            waiting_for=[part.value for part in found.waiting_for],
            fully_signed=found.fully_signed,
            open_actions=[a.model_dump(mode="json") for a in state.open_actions(review)],
        )
        _print_json(shown)
        return
    stdout.print("\n".join(_review_lines(state, found, names)))


def _action(text: str) -> AgreedAction:
    what, _, rest = text.partition("|")
    owner, _, due = rest.partition("|")
    try:
        return AgreedAction(what=what.strip(), owner=owner.strip(), due=date.fromisoformat(due))
    except ValueError:
        fail(f"--action {text!r}: give it as 'WHAT|OWNER|YYYY-MM-DD'")


@reviews.command("draft")
@expected_errors
def draft_review_command(
    participant_id: ParticipantArgument,
    review: ReviewArgument,
    by: AsOption,
    progress: Annotated[str, typer.Option(help="Progress since the last review.")],
    wellbeing: Annotated[str, typer.Option(help="How they are.")],
    concerns: Annotated[str, typer.Option(help="Concerns, if any.")] = "",
    action: Annotated[
        list[str] | None, typer.Option(help="An action agreed: 'WHAT|OWNER|YYYY-MM-DD'.")
    ] = None,
    done: Annotated[
        list[str] | None, typer.Option(help="An earlier review's action now done, e.g. 1.2.")
    ] = None,
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Fill in a progress review's form (the Development Lead)."""
    from domain.participant.commands import DraftReview
    from workflows.participant import ParticipantWorkflow

    if not progress.strip() or not wellbeing.strip():
        fail("--progress and --wellbeing need words")
    command = DraftReview(
        by=by,
        review=review,
        progress=progress.strip(),
        wellbeing=wellbeing.strip(),
        concerns=concerns,
        actions=tuple(_action(text) for text in action or []),
        actions_completed=tuple(done or []),
    )
    state = run_update(participant_id, ParticipantWorkflow.draft_review, command, timeout)
    _reviewed(state, review, as_json, "filled in")


@reviews.command("sign")
@expected_errors
def sign_review_command(
    participant_id: ParticipantArgument,
    review: ReviewArgument,
    by: AsOption,
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Sign a progress review (participant, employer or Development Lead)."""
    from domain.participant.commands import SignReview
    from workflows.participant import ParticipantWorkflow

    command = SignReview(by=by, review=review)
    state = run_update(participant_id, ParticipantWorkflow.sign_review, command, timeout)
    _reviewed(state, review, as_json, "signed")


@reviews.command("send-back")
@expected_errors
def send_back_review_command(
    participant_id: ParticipantArgument,
    review: ReviewArgument,
    by: AsOption,
    reason: Annotated[str, typer.Option(help="What must change.")],
    as_json: JsonOption = False,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Send a progress review's form back before all three have signed."""
    from domain.participant.commands import SendBackReview
    from workflows.participant import ParticipantWorkflow

    if not reason.strip():
        fail("--reason: say what must change")
    command = SendBackReview(by=by, review=review, reason=reason.strip())
    state = run_update(participant_id, ParticipantWorkflow.send_back_review, command, timeout)
    _reviewed(state, review, as_json, "sent back")


def _reviewed(state: ParticipantState, number: int, as_json: bool, what: str) -> None:
    review = state.reviews[number]
    if as_json:
        shown = review.model_dump(mode="json")
        shown.update(
            waiting_for=[part.value for part in review.waiting_for],
            fully_signed=review.fully_signed,
        )
        _print_json(shown)
        return
    line = f"{state.participant_id}: progress review {number} {what}"
    if review.fully_signed:
        line += "; signed by all three, the review is closed"
    elif review.returned is None:
        line += "; waiting for " + ", ".join(part.in_words for part in review.waiting_for)
    stdout.print(escape(line))
