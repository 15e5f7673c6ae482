"""Tripartite progress reviews, in programmes that sign them (Programme.signed_reviews).

Every twelve weeks the Development Lead holds the review and fills in its form: progress
since the last review, actions agreed (each with an owner and a date), management time
as the record has it, concerns and wellbeing; the actions agreed at earlier reviews are
shown again, to be marked done. The participant, their employer (the Registered Manager
or the employer mentor) and the Development Lead each sign it. Until all three have, any
of them may send it back with a reason; the lead fills it in again and the signatures
start over. The last signature closes the review's task (on track, or with concerns when
the form records any). A review still not signed by all three two weeks after it was
due raises a concern (domain.participant.timeline).
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import AlreadySigned, InvalidReview, PersonNotAllowed
from domain.participant.commands import DraftReview, SendBackReview, SignReview
from domain.participant.events import (
    ParticipantEvent,
    ReviewDrafted,
    ReviewSentBack,
    ReviewSigned,
    TaskDecided,
)
from domain.participant.state import ParticipantState
from domain.participant.work import (
    ManagementSummary,
    ProgressReview,
    ReviewAction,
    Signatory,
)
from domain.programme.tasks import Outcome, Task, TaskKind, progress_review_id
from domain.roles import Role

_SIGNING_ROLES = (
    (Role.PARTICIPANT, Signatory.PARTICIPANT),
    (Role.DEVELOPMENT_LEAD, Signatory.DEVELOPMENT_LEAD),
    (Role.REGISTERED_MANAGER, Signatory.EMPLOYER),
    (Role.EMPLOYER_MENTOR, Signatory.EMPLOYER),
)


def signed_review(state: ParticipantState, task: Task) -> bool:
    """Whether `task` is a review closed by three signatures rather than a decision."""
    return task.kind == TaskKind.PROGRESS_REVIEW and state.programme.signed_reviews


def check_decidable(state: ParticipantState, task: Task) -> None:
    if signed_review(state, task):
        raise InvalidReview(
            f"{task.title} is not decided but signed: the Development Lead fills in its "
            "form, then the participant, their employer and the Development Lead sign it"
        )


def review_of(state: ParticipantState, number: int) -> ProgressReview:
    return state.reviews.get(number) or ProgressReview(number=number)


def signatory_of(state: ParticipantState, person: str) -> tuple[Signatory, Role] | None:
    """The part `person` signs the participant's reviews in, if any."""
    for role, signatory in _SIGNING_ROLES:
        if state.person_for(role) == person:
            return signatory, role
    return None


def management_summary(state: ParticipantState) -> ManagementSummary:
    sheets = [sheet for sheet in state.timesheets.values() if sheet.phase == state.phase]
    return ManagementSummary(
        target=state.management_target,
        share=state.management_share,
        weeks_recorded=len(sheets),
        weeks_verified=sum(1 for sheet in sheets if sheet.verified),
    )


def _open_review(state: ParticipantState, number: int, what: str) -> Task:
    if not state.programme.signed_reviews:
        raise InvalidReview(
            f"programme {state.programme.version} has no review forms: the Development "
            "Lead answers each progress review"
        )
    attempts = state.attempts_of(progress_review_id(number))
    if not attempts:
        raise InvalidReview(
            f"participant {state.participant_id} has no progress review {number} yet"
        )
    task = attempts[-1]
    if not task.is_open:
        closed = f" on {task.decision.decided_at.date().isoformat()}" if task.decision else ""
        raise InvalidReview(f"progress review {number} was closed{closed}: it cannot {what}")
    return task


def draft_review(
    state: ParticipantState, command: DraftReview, now: datetime
) -> list[ParticipantEvent]:
    task = _open_review(state, command.review, "be filled in again")
    if command.by != task.assignee and state.delegate_of(task.assignee, now) != command.by:
        raise PersonNotAllowed(
            f"{command.by} may not fill in progress review {command.review}: it is "
            f"{task.assignee}'s ({task.role.value.replace('_', ' ')}) to fill in"
        )
    review = review_of(state, command.review)
    signed = review.current_signatures
    if signed:
        names = ", ".join(f"{s.signed_by} ({s.signatory.in_words})" for s in signed)
        raise InvalidReview(
            f"progress review {command.review} is signed by {names}: send it back to "
            "change its form"
        )
    open_actions = {action.number for action in state.open_actions(command.review)}
    unknown = [number for number in command.actions_completed if number not in open_actions]
    if unknown:
        raise InvalidReview(
            f"no open action {', '.join(unknown)} from an earlier review; open actions: "
            f"{', '.join(sorted(open_actions)) or 'none'}"
        )
    on_record = state.people_on_record()
    for action in command.actions:
        if action.owner not in on_record:
            raise InvalidReview(
                f"action {action.what!r}: its owner {action.owner} is not on participant "
                f"{state.participant_id}'s record (the participant or someone supporting them)"
            )
        if action.due < now.date():
            raise InvalidReview(f"action {action.what!r}: its date {action.due} has passed")
    return [
        ReviewDrafted(
            review=command.review,
            version=len(review.forms) + 1,
            progress=command.progress,
            actions=tuple(
                ReviewAction(number=f"{command.review}.{n}", **action.model_dump())
                for n, action in enumerate(command.actions, start=1)
            ),
            actions_completed=command.actions_completed,
            concerns=command.concerns.strip(),
            wellbeing=command.wellbeing,
            management=management_summary(state),
            drafted_by=command.by,
            drafted_at=now,
        )
    ]


def _signatory(
    state: ParticipantState, person: str, number: int, what: str
) -> tuple[Signatory, Role]:
    found = signatory_of(state, person)
    if found is None:
        raise PersonNotAllowed(
            f"{person} may not {what} progress review {number}: it is signed by the "
            "participant, their Registered Manager or employer mentor, and their "
            "Development Lead"
        )
    return found


def _form_to_answer(state: ParticipantState, number: int, what: str) -> ProgressReview:
    review = review_of(state, number)
    if review.form is None:
        raise InvalidReview(
            f"progress review {number} has no form yet: the Development Lead fills it in first"
        )
    returned = review.returned
    if returned is not None:
        raise InvalidReview(
            f"progress review {number} was sent back by {returned.by} "
            f"({returned.reason}): the Development Lead fills it in again before it can {what}"
        )
    return review


def sign_review(
    state: ParticipantState, command: SignReview, now: datetime
) -> list[ParticipantEvent]:
    task = _open_review(state, command.review, "be signed")
    signatory, role = _signatory(state, command.by, command.review, "sign")
    review = _form_to_answer(state, command.review, "be signed")
    form = review.form
    assert form is not None  # _form_to_answer refuses a review without one
    earlier = review.signature_of(signatory)
    if earlier is not None:
        on = earlier.signed_at.date().isoformat()
        raise AlreadySigned(
            f"{command.by} signed progress review {command.review} (version {form.version}) "
            f"already, on {on}"
            if earlier.signed_by == command.by
            else f"the {signatory.in_words} signed progress review {command.review} (version "
            f"{form.version}) already: {earlier.signed_by} as "
            f"{earlier.role.value.replace('_', ' ')}, on {on}"
        )
    signed = ReviewSigned(
        review=command.review,
        version=form.version,
        signatory=signatory,
        signed_by=command.by,
        role=role,
        signed_at=now,
    )
    events: list[ParticipantEvent] = [signed]
    if review.waiting_for == (signatory,):  # the last of the three
        events.append(
            TaskDecided(
                task_id=task.task_id,
                decided_by=form.drafted_by,
                outcome=Outcome.CONCERNS if form.concerns else Outcome.ON_TRACK,
                comment=form.concerns or None,
                decided_at=now,
            )
        )
    return events


def send_back_review(
    state: ParticipantState, command: SendBackReview, now: datetime
) -> list[ParticipantEvent]:
    _open_review(state, command.review, "be sent back")
    _signatory(state, command.by, command.review, "send back")
    review = _form_to_answer(state, command.review, "be sent back")
    assert review.form is not None
    return [
        ReviewSentBack(
            review=command.review,
            version=review.form.version,
            by=command.by,
            reason=command.reason,
            sent_back_at=now,
        )
    ]


def late_review_reason(state: ParticipantState, task: Task) -> str | None:
    """What a signed review still lacks two weeks after it was due, for its concern."""
    if not signed_review(state, task):
        return None
    number = int(task.key.split(".")[1])
    review = review_of(state, number)
    late = "two weeks after it was due"
    if review.form is None:
        return f"progress review {number} not filled in {late}"
    if review.returned is not None:
        return f"progress review {number} sent back and not filled in again {late}"
    waiting = " and ".join(f"the {part.in_words}" for part in review.waiting_for)
    return f"progress review {number} not signed by all three {late}: waiting for {waiting}"
