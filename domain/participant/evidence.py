"""The participant's own work behind a sign-off, in programmes that keep it on record: the
evidence for each Care Certificate standard, and the report after each outplacement.

The shape is the same for both. The participant hands a version in; the reviewer (the
assessor for a standard, the employer mentor for a report) answers it on its sign-off
task. Approval signs it off. Sending it back (or rejecting it) does not ask the reviewer
again, as other sign-offs do: it gives the participant a task of their own, with the
reason, and their next version opens the reviewer's next attempt. Every version and
every answer stays on record.

For a standard the assessor's first attempt is open from the start of the care
placement, and may not be answered before evidence is handed in. For a report the
participant's task opens when the outplacement ends, and the mentor's task when the
report is handed in.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidWork, PersonNotAllowed
from domain.participant.commands import AddEvidence, SubmitEvidence, SubmitReport
from domain.participant.events import (
    EvidenceAdded,
    EvidenceSubmitted,
    ParticipantEvent,
    ReportSubmitted,
    TaskDecided,
    TaskOpened,
)
from domain.participant.state import OutplacementStatus, ParticipantState
from domain.programme.phases import Phase
from domain.programme.task_policy import due_at, resubmission_due_at
from domain.programme.tasks import (
    Outcome,
    Task,
    TaskKind,
    attempt_number,
    care_certificate_id,
    next_attempt_id,
    outplacement_report_id,
    participant_work_key,
)
from domain.roles import Role

# The reviewer's task kind -> the participant's, for sign-offs whose work is on record.
_PARTICIPANT_KIND = {
    TaskKind.CARE_CERTIFICATE_STANDARD: TaskKind.CARE_CERTIFICATE_EVIDENCE,
    TaskKind.OUTPLACEMENT_REPORT: TaskKind.OUTPLACEMENT_REPORT_WRITING,
}


def work_on_record(state: ParticipantState, task: Task) -> bool:
    """Whether `task` is a reviewer's answer to work the participant hands in."""
    programme = state.programme
    if task.kind == TaskKind.CARE_CERTIFICATE_STANDARD:
        sign_off = programme.sign_off(Phase.CARE_PLACEMENT, task.key)
        return sign_off is not None and sign_off.evidence
    if task.kind == TaskKind.OUTPLACEMENT_REPORT:
        return any(
            outplacement_report_id(o.number) == task.key and o.report_by_participant
            for o in programme.outplacements
        )
    return False


def _latest_attempt(state: ParticipantState, key: str) -> Task | None:
    attempts = state.attempts_of(key)
    return attempts[-1] if attempts else None


def with_reviewer(state: ParticipantState, key: str) -> Task | None:
    """The reviewer's open task for `key`, if the latest version handed in awaits it (its
    nth attempt answers the nth version)."""
    task = _latest_attempt(state, key)
    if task is None or not task.is_open:
        return None
    handed_in = len(state.work_on(key).versions)
    return task if handed_in >= attempt_number(task.task_id) else None


def participant_task(state: ParticipantState, key: str) -> Task | None:
    """The participant's open task for the work behind `key`, if any."""
    task = _latest_attempt(state, participant_work_key(key))
    return task if task is not None and task.is_open else None


def check_answerable(state: ParticipantState, task: Task) -> None:
    """A reviewer answers work only once it is handed in; the participant's own tasks are
    done by handing the work in, never by a decision."""
    if task.role == Role.PARTICIPANT and task.kind in _PARTICIPANT_KIND.values():
        raise InvalidWork(
            f"task {task.task_id} is done by handing the work in (on the participant's "
            "evidence or report page, or `scls evidence submit` / `scls reports submit`), "
            "not by a decision"
        )
    if work_on_record(state, task) and with_reviewer(state, task.key) is None:
        raise InvalidWork(
            f"participant {state.participant_id} has not handed in work for "
            f"{task.title} yet: there is nothing to answer"
        )


def hand_back(state: ParticipantState, task: Task, now: datetime) -> TaskOpened:
    """The reviewer sent the work back: the participant's task to hand it in again."""
    previous = _latest_attempt(state, participant_work_key(task.key))
    kind = _PARTICIPANT_KIND[task.kind]
    return TaskOpened(
        task_id=next_attempt_id(previous.task_id) if previous else participant_work_key(task.key),
        kind=kind,
        title=_participant_title(state, task.key, again=True),
        phase=task.phase,
        role=Role.PARTICIPANT,
        assignee=state.participant_id,
        opened_at=now,
        due_at=due_at(kind, now, now, state.time_scale),
    )


def report_writing(state: ParticipantState, number: int, at: datetime) -> TaskOpened:
    """The participant's task to write the report on outplacement `number`, at its end."""
    key = outplacement_report_id(number)
    return TaskOpened(
        task_id=participant_work_key(key),
        kind=TaskKind.OUTPLACEMENT_REPORT_WRITING,
        title=_participant_title(state, key, again=False),
        phase=state.programme.outplacement(number).phase,
        role=Role.PARTICIPANT,
        assignee=state.participant_id,
        opened_at=at,
        due_at=due_at(TaskKind.OUTPLACEMENT_REPORT_WRITING, at, at, state.time_scale),
    )


def _participant_title(state: ParticipantState, key: str, *, again: bool) -> str:
    if key.startswith("outplacement_report."):
        number = int(key.split(".")[1])
        title = f"Write your report on outplacement {number}: "
        title += state.programme.outplacement(number).title
        return title + (" (sent back: write it again)" if again else "")
    sign_off = state.programme.sign_off(Phase.CARE_PLACEMENT, key)
    assert sign_off is not None  # only standards with evidence on record come here
    return f"Hand in your evidence again: {sign_off.title}"


# --- the participant's side ----------------------------------------------------------------


def _require_participant(state: ParticipantState, by: str, what: str) -> None:
    if by != state.participant_id:
        raise PersonNotAllowed(
            f"{by} may not {what} for participant {state.participant_id}: only the "
            "participant hands in their own work"
        )


def _open_standard(state: ParticipantState, standard: int, by: str, what: str) -> str:
    """The standard's key, refusing work on a standard that cannot take any now."""
    _require_participant(state, by, what)
    key = care_certificate_id(standard)
    sign_off = state.programme.sign_off(Phase.CARE_PLACEMENT, key)
    if sign_off is None:
        count = len(state.programme.care_certificate_standards)
        raise InvalidWork(f"there is no Care Certificate standard {standard} (1 to {count})")
    if not sign_off.evidence:
        raise InvalidWork(
            f"programme {state.programme.version} signs Care Certificate standards off "
            "without evidence on record"
        )
    if state.phase != Phase.CARE_PLACEMENT:
        raise InvalidWork(
            "evidence for the Care Certificate is handed in during the care placement; "
            f"participant {state.participant_id} is in the "
            f"{state.phase.label if state.phase else 'enrolment'} phase"
        )
    approval = state.approval_of(key)
    if approval is not None:
        raise InvalidWork(
            f"standard {standard} was signed off on {approval.decided_at.date().isoformat()}"
        )
    reviewer = with_reviewer(state, key)
    if reviewer is not None:
        version = len(state.work_on(key).versions)
        raise InvalidWork(
            f"your evidence for standard {standard} (version {version}) is with "
            f"{reviewer.assignee} to answer: wait for their answer"
        )
    return key


def add_evidence(
    state: ParticipantState, command: AddEvidence, now: datetime
) -> list[ParticipantEvent]:
    key = _open_standard(state, command.standard, command.by, "add evidence")
    return [
        EvidenceAdded(
            standard=command.standard,
            item=len(state.work_on(key).items) + 1,
            kind=command.kind,
            text=command.text,
            documents=command.documents,
            added_by=command.by,
            added_at=now,
        )
    ]


def submit_evidence(
    state: ParticipantState, command: SubmitEvidence, now: datetime
) -> list[ParticipantEvent]:
    key = _open_standard(state, command.standard, command.by, "hand in evidence")
    record = state.work_on(key)
    if not record.items_not_handed_in:
        raise InvalidWork(
            f"add evidence for standard {command.standard} before handing it in"
            if record.latest is None
            else f"add evidence that answers why standard {command.standard} was sent back "
            "before handing it in again"
        )
    submitted = EvidenceSubmitted(
        standard=command.standard,
        version=len(record.versions) + 1,
        items=tuple(item.item for item in record.items),
        submitted_by=command.by,
        submitted_at=now,
    )
    return [submitted, *_to_reviewer(state, key, now)]


def submit_report(
    state: ParticipantState, command: SubmitReport, now: datetime
) -> list[ParticipantEvent]:
    _require_participant(state, command.by, "hand in a report")
    number = command.outplacement
    key = outplacement_report_id(number)
    definitions = [o for o in state.programme.outplacements if o.number == number]
    if not definitions:
        raise InvalidWork(f"there is no outplacement {number}")
    if not definitions[0].report_by_participant:
        raise InvalidWork(
            f"programme {state.programme.version} keeps outplacement reports outside the "
            "engine: the Development Lead signs them off"
        )
    if participant_task(state, key) is None:
        raise InvalidWork(_why_no_report(state, number, key))
    record = state.work_on(key)
    submitted = ReportSubmitted(
        outplacement=number,
        version=len(record.versions) + 1,
        text=command.text,
        documents=command.documents,
        submitted_by=command.by,
        submitted_at=now,
    )
    return [submitted, *_to_reviewer(state, key, now)]


def _why_no_report(state: ParticipantState, number: int, key: str) -> str:
    approval = state.approval_of(key)
    if approval is not None:
        return f"the report on outplacement {number} was approved already"
    reviewer = with_reviewer(state, key)
    if reviewer is not None:
        return (
            f"your report on outplacement {number} (version "
            f"{len(state.work_on(key).versions)}) is with {reviewer.assignee} to review"
        )
    outplacement = state.outplacements[number]
    if outplacement.status != OutplacementStatus.ENDED:
        ends = outplacement.ends_at
        when = f" (it ends {ends.date().isoformat()})" if ends else ""
        return f"outplacement {number} has not ended yet{when}: the report is written after it"
    return f"no report on outplacement {number} is asked for now"


def _to_reviewer(state: ParticipantState, key: str, now: datetime) -> list[ParticipantEvent]:
    """After a version is handed in: the participant's task is done, and the reviewer's
    next attempt opens (unless its first is still open, waiting for the first version)."""
    events: list[ParticipantEvent] = []
    own = participant_task(state, key)
    if own is not None:
        events.append(
            TaskDecided(
                task_id=own.task_id,
                decided_by=state.participant_id,
                outcome=Outcome.SUBMITTED,
                decided_at=now,
            )
        )
    previous = _latest_attempt(state, key)
    if previous is not None and previous.is_open:
        return events  # the first attempt of a standard: open since the placement began
    if previous is not None:
        events.append(
            TaskOpened(
                task_id=next_attempt_id(previous.task_id),
                kind=previous.kind,
                title=previous.title,
                phase=previous.phase,
                role=previous.role,
                assignee=previous.assignee,
                opened_at=now,
                due_at=resubmission_due_at(previous, Outcome.SEND_BACK, now, state.time_scale),
            )
        )
        return events
    number = int(key.split(".")[1])
    definition = state.programme.outplacement(number)
    events.append(
        TaskOpened(
            task_id=key,
            kind=TaskKind.OUTPLACEMENT_REPORT,
            title=definition.report_title,
            phase=definition.phase,
            role=Role.EMPLOYER_MENTOR,
            assignee=state.person_for(Role.EMPLOYER_MENTOR),
            opened_at=now,
            due_at=due_at(TaskKind.OUTPLACEMENT_REPORT, now, now, state.time_scale),
        )
    )
    return events


def evidence_refusal(state: ParticipantState, standard: int) -> str | None:
    """Why the participant may not add to a standard's evidence now; None if they may
    (for pages to offer the form only when the rules would take it)."""
    try:
        _open_standard(state, standard, state.participant_id, "add evidence")
    except InvalidWork as refusal:
        return str(refusal)
    return None


def awaits_participant(state: ParticipantState, task: Task) -> bool:
    """Whether `task` waits on the participant: theirs, or a reviewer's that has nothing
    handed in to answer yet (a standard whose evidence is still to come)."""
    if task.assignee == state.participant_id:
        return True
    return work_on_record(state, task) and with_reviewer(state, task.key) is None
