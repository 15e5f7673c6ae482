"""Who may see and do what in the web console, as pure rules the server checks on every
request, whatever its pages showed.

Ops see every participant, task and cohort. Anyone else sees a participant only while
they are part of that participant's support (Registered Manager, mentor, Development
Lead, coach, assessor, Institute lead, ops lead), hold one of their tasks, or stand in
now for someone who holds one. Answering a task is the workflow's to allow or refuse;
these rules decide whether the form is shown and whether the request reaches it at all.

A participant sees their own record only, and the notes of a coaching or mentoring
session are for the participant and the session's author alone.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.participant.approvals import deciders
from domain.participant.state import ParticipantState, SupportSession
from domain.participant.support_sessions import session_holder
from domain.programme.support_sessions import SessionKind
from domain.programme.tasks import Task
from domain.roles import Role


class Viewer(BaseModel):
    """The signed-in person, as the directory has them."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    roles: frozenset[Role]

    @property
    def is_ops(self) -> bool:
        return Role.OPS in self.roles


def supporters(state: ParticipantState) -> frozenset[str]:
    """Everyone the participant's enrolment names to support, assess or sign them off
    (course partners are peers, not supporters: they do not see each other's record)."""
    support = state.support
    if support is None:
        return frozenset()
    return frozenset(
        (
            support.registered_manager,
            support.employer_mentor,
            support.development_lead,
            support.coach,
            support.assessor,
            support.institute_lead,
            support.ops_lead,
        )
    )


def _task_holders(state: ParticipantState, now: datetime) -> set[str]:
    holders = {task.assignee for task in state.tasks.values()}
    for task in state.open_tasks:
        deputy = state.delegate_of(task.assignee, now)
        if deputy is not None:
            holders.add(deputy)
    return holders


def may_view_participant(viewer: Viewer, state: ParticipantState, now: datetime) -> bool:
    if viewer.is_ops:
        return True
    person = viewer.person_id
    return person in supporters(state) or person in _task_holders(state, now)


def may_answer(viewer: Viewer, state: ParticipantState, task: Task, now: datetime) -> bool:
    """Whether to offer `viewer` the decision form: they may decide it in their own right,
    or stand in now for someone who may. The workflow checks again when they answer."""
    if not task.is_open:
        return False
    own = [person for person, _ in deciders(state, task)]
    if viewer.person_id in own:
        return True
    return any(state.delegate_of(person, now) == viewer.person_id for person in own)


def may_view_cohorts(viewer: Viewer) -> bool:
    """The cohort dashboard shows every participant of the scheme: ops only."""
    return viewer.is_ops


def may_see_all_tasks(viewer: Viewer) -> bool:
    return viewer.is_ops


# --- the participant's own record, and coaching and mentoring notes ----------------------


def is_the_participant(viewer: Viewer, participant_id: str) -> bool:
    """The participant themselves: they see their own record as My programme. Of other
    participants, course partners included, they see names only: a peer is not part of
    the support, so may_view_participant refuses them."""
    return viewer.person_id == participant_id


def may_read_session_notes(
    viewer: Viewer, state: ParticipantState, session: SupportSession
) -> bool:
    """A session's notes are the participant's and their author's alone: not ops', not the
    Registered Manager's nor anyone else's around the participant."""
    return viewer.person_id in (state.participant_id, session.recorded_by)


def sessions_to_record(viewer: Viewer, state: ParticipantState) -> tuple[SessionKind, ...]:
    """The kinds of session to offer `viewer` the form for: those they hold with the
    participant now. The workflow checks again when they record one."""
    if state.enrolment is None or state.has_left:
        return ()
    return tuple(
        cadence.kind
        for cadence in state.programme.session_cadences
        if session_holder(state, cadence.kind) == viewer.person_id
    )
