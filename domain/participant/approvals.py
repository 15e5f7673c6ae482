"""Who may answer, reassign or delegate a participant's tasks, and with what: each
refusal is its own DomainError, worded for the person refused.

A decision is checked in this order: the task exists; it is still open; the person may
decide it (the assignee, a holder of one of the kind's extra roles for this participant,
or a delegate of either within the delegation's window); the outcome is one the kind
allows; the comment the outcome needs is there.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import (
    CommentRequired,
    InvalidDelegation,
    InvalidReassignment,
    OutcomeNotAllowed,
    PersonNotAllowed,
    TaskAlreadyDecided,
    UnknownTask,
)
from domain.participant.state import ParticipantState
from domain.programme.task_policy import escalation_steps, policy_for
from domain.programme.tasks import Outcome, Task, TaskStatus
from domain.roles import Role

# How each outcome reads in "a comment is required to ... task X".
_COMMENT_PHRASES: dict[Outcome, str] = {
    Outcome.NOT_YET: "answer not yet on",
    Outcome.OTHER_DESTINATION: "answer other destination on",
    Outcome.CONCERNS: "record concerns on",
}


def _instant(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def undecided_task(state: ParticipantState, task_id: str) -> Task:
    """The task `task_id`, refusing an unknown or already decided one."""
    task = state.tasks.get(task_id)
    if task is None:
        raise UnknownTask(f"participant {state.participant_id} has no task {task_id}")
    if task.decision is not None:
        earlier = task.decision
        raise TaskAlreadyDecided(
            f"task {task.task_id} was already decided ({earlier.outcome.in_words} by "
            f"{earlier.decided_by} on {earlier.decided_at.date().isoformat()})"
        )
    return task


def deciders(state: ParticipantState, task: Task) -> list[tuple[str, Role]]:
    """Who may decide `task` in their own right, with the role they do it in."""
    people = [(task.assignee, task.role)]
    for role in sorted(policy_for(task.kind).also_decided_by):
        person = state.person_for(role)
        if all(person != known for known, _ in people):
            people.append((person, role))
    return people


def check_decision(
    state: ParticipantState,
    task_id: str,
    decided_by: str,
    outcome: Outcome,
    comment: str | None,
    now: datetime,
) -> str | None:
    """Refuses a decision the rules do not allow. Returns whose authority a delegate used
    (None when `decided_by` decides in their own right)."""
    task = undecided_task(state, task_id)
    on_behalf_of = _authority(state, task, decided_by, now)
    _check_distinct_signer(state, task, decided_by)
    policy = policy_for(task.kind)
    if not policy.allows(outcome):
        raise OutcomeNotAllowed(
            f"outcome {outcome} is not allowed for task {task.task_id} ({task.kind}); "
            f"allowed: {', '.join(policy.outcomes)}"
        )
    if policy.rule(outcome).needs_comment and not (comment and comment.strip()):
        phrase = _COMMENT_PHRASES.get(outcome, outcome.replace("_", " "))
        raise CommentRequired(f"a comment is required to {phrase} task {task.task_id}")
    return on_behalf_of


def _authority(state: ParticipantState, task: Task, person: str, now: datetime) -> str | None:
    own = deciders(state, task)
    if any(person == decider for decider, _ in own):
        return None
    grants = [
        d
        for d in state.delegations
        if d.to_person == person and any(d.from_person == p for p, _ in own)
    ]
    current = [d for d in grants if d.covers(now)]
    if current:
        return current[-1].from_person
    refusal = f"{person} may not decide task {task.task_id}: "
    if grants:
        window = grants[-1]
        raise PersonNotAllowed(
            refusal + f"their delegation from {window.from_person} runs from "
            f"{_instant(window.starts_at)} until {_instant(window.until)}"
        )
    (assignee, role), *others = own
    also = "".join(f"; {other_role} {other} may also decide it" for other, other_role in others)
    raise PersonNotAllowed(refusal + f"it is assigned to {assignee} ({role}){also}")


def _check_distinct_signer(state: ParticipantState, task: Task, person: str) -> None:
    if not policy_for(task.kind).distinct_signers:
        return
    for other in state.tasks.values():
        decision = other.decision
        if (
            other.kind == task.kind
            and other.phase == task.phase
            and other.key != task.key
            and other.status == TaskStatus.APPROVED
            and decision is not None
            and decision.decided_by == person
        ):
            raise PersonNotAllowed(
                f"{person} may not decide task {task.task_id}: they already signed "
                f"{other.key}, and {task.kind} needs two different people"
            )


def check_reassignment(state: ParticipantState, task_id: str, to_person: str, by: str) -> Task:
    """The assignee may hand a task on, and so may ops and anyone its escalations go to."""
    task = undecided_task(state, task_id)
    allowed = [task.assignee, state.person_for(Role.OPS)] + [
        state.person_for(step.to_role) for step in escalation_steps(task)
    ]
    if by not in allowed:
        raise PersonNotAllowed(
            f"{by} may not reassign task {task.task_id}: only its assignee, ops or the "
            f"people it escalates to may ({', '.join(dict.fromkeys(allowed))})"
        )
    if to_person == task.assignee:
        raise InvalidReassignment(f"task {task.task_id} is already assigned to {to_person}")
    return task


def check_delegation(
    state: ParticipantState,
    from_person: str,
    to_person: str,
    starts_at: datetime,
    until: datetime,
    by: str,
    now: datetime,
) -> None:
    """A person may delegate their own tasks; ops may do it for them."""
    if by not in (from_person, state.person_for(Role.OPS)):
        raise PersonNotAllowed(
            f"{by} may not delegate the tasks of {from_person}: only they or ops may"
        )
    if to_person == from_person:
        raise InvalidDelegation(f"{from_person} cannot delegate to themselves")
    check_delegation_window(starts_at, until)
    if until <= now:
        raise InvalidDelegation(f"a delegation until {_instant(until)} has already ended")


def check_delegation_window(starts_at: datetime, until: datetime) -> None:
    """A delegation ends after it starts (its window is [starts_at, until))."""
    if until <= starts_at:
        raise InvalidDelegation(
            f"a delegation must end after it starts: {_instant(starts_at)} to {_instant(until)}"
        )
