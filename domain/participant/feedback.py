"""Feedback for the success measures on a participant's record: which ratings, surveys
and LQF assessments the timetable asks for and of whom, answering them, their lapsing,
and the feedback ops gather from people receiving care.

Only programme versions with a `FeedbackPlan` ask for any. A feedback task is answered
with its form (`GiveFeedback`), never decided; it is no sign-off, so it never holds a
phase back, never turns the RAG status amber, and closes unanswered once the plan's
time for it has passed (or the programme ends), rather than wait for ever.

Task ids say what is asked of whom: `placement_rating.care_placement.participant`,
`placement_rating.outplacement_2.development_lead`, `survey.care_placement.participant`,
`survey.programme.registered_manager`, `lqf.end_of_year_one.employer_mentor`.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidFeedback, PersonNotAllowed
from domain.participant.commands import GiveFeedback, RecordCareFeedback
from domain.participant.events import (
    CareFeedbackRecorded,
    FeedbackGiven,
    ParticipantEvent,
    TaskCancelled,
    TaskDecided,
    TaskOpened,
)
from domain.participant.state import ParticipantState
from domain.programme.feedback import (
    CARE_FEEDBACK,
    LQF_ASSESSMENT,
    LQF_ASSESSORS,
    PLACEMENT_RATERS,
    PLACEMENT_RUBRIC,
    SURVEY_RESPONDENTS,
    Form,
    LqfPoint,
)
from domain.programme.phases import Phase
from domain.programme.task_policy import due_at
from domain.programme.tasks import Outcome, Task, TaskKind
from domain.roles import Role
from domain.timescale import scaled

CLOSING_SURVEY = "programme"  # the survey about the programme as a whole
# Who may record feedback from people receiving care: the scheme's people around them.
CARE_FEEDBACK_RECORDERS = (Role.OPS, Role.DEVELOPMENT_LEAD)
LAPSED = "closed unanswered: feedback is asked for a limited time"


def outplacement_place(number: int) -> str:
    return f"outplacement_{number}"


def _task_id(kind: TaskKind, subject: str, role: Role) -> str:
    prefix = "lqf" if kind == TaskKind.LQF_ASSESSMENT else kind.value
    return f"{prefix}.{subject}.{role.value}"


def is_feedback_task(task_id: str) -> bool:
    """Whether a task id is one this module opens (a rating, a survey, an LQF)."""
    return task_id.startswith(("placement_rating.", "survey.", "lqf."))


def subject_of(task: Task) -> str:
    """What a feedback task asks about: a placement, a phase, "programme", an LQF point."""
    return task.task_id.split(".")[1]


def form_of(task: Task) -> Form:
    """The form that answers a feedback task."""
    if task.kind == TaskKind.PLACEMENT_RATING:
        return PLACEMENT_RUBRIC
    if task.kind == TaskKind.LQF_ASSESSMENT:
        return LQF_ASSESSMENT
    if task.kind == TaskKind.SURVEY:
        return next(form for role, form in SURVEY_RESPONDENTS if role == task.role)
    raise InvalidFeedback(f"task {task.task_id} is not feedback")


_TITLES = {
    TaskKind.PLACEMENT_RATING: "Rate the placement: {subject}",
    TaskKind.SURVEY: "Survey: {subject}",
    TaskKind.LQF_ASSESSMENT: "Leadership Qualities Framework assessment: {subject}",
}


def _subject_words(kind: TaskKind, subject: str) -> str:
    if kind == TaskKind.LQF_ASSESSMENT:
        return LqfPoint(subject).label.lower()
    if subject == CLOSING_SURVEY:
        return "the programme as a whole"
    if subject.startswith("outplacement_"):
        return f"outplacement {subject.removeprefix('outplacement_')}"
    return Phase(subject).label


def _asked(
    state: ParticipantState,
    kind: TaskKind,
    subject: str,
    roles: tuple[Role, ...],
    phase: Phase | None,
    at: datetime,
) -> list[ParticipantEvent]:
    words = _subject_words(kind, subject)
    return [
        TaskOpened(
            task_id=_task_id(kind, subject, role),
            kind=kind,
            title=_TITLES[kind].format(subject=words)
            + ("" if role == Role.PARTICIPANT else f" ({role.value.replace('_', ' ')})"),
            phase=phase,
            role=role,
            assignee=state.person_for(role),
            opened_at=at,
            due_at=due_at(kind, at, at, state.time_scale),
        )
        for role in roles
        if _task_id(kind, subject, role) not in state.tasks
    ]


def at_phase_end(
    state: ParticipantState, completed: Phase, following: Phase | None, at: datetime
) -> list[ParticipantEvent]:
    """What the plan asks when `completed` ends and `following` starts: surveys and the
    placement's rating about the phase that ended, the LQF and the closing survey that
    open with the next one; at the programme's end, nothing more."""
    plan = state.programme.feedback
    if plan is None:
        return []
    asked: list[ParticipantEvent] = []
    if completed in plan.surveyed_phases:
        roles = tuple(role for role, _ in SURVEY_RESPONDENTS)
        asked += _asked(state, TaskKind.SURVEY, completed.value, roles, completed, at)
    if completed == plan.rated_phase:
        asked += _asked(
            state, TaskKind.PLACEMENT_RATING, completed.value, PLACEMENT_RATERS, completed, at
        )
    if following is None:
        return asked  # what is still open then closes with the programme (timeline)
    for point, phase in plan.lqf_points:
        if phase == following:
            asked += _asked(state, TaskKind.LQF_ASSESSMENT, point.value, LQF_ASSESSORS, phase, at)
    if following == plan.closing_survey_phase:
        roles = tuple(role for role, _ in SURVEY_RESPONDENTS)
        asked += _asked(state, TaskKind.SURVEY, CLOSING_SURVEY, roles, following, at)
    return asked


def at_outplacement_end(
    state: ParticipantState, number: int, at: datetime
) -> list[ParticipantEvent]:
    """The participant and their Development Lead rate an outplacement when it ends."""
    if state.programme.feedback is None:
        return []
    place = outplacement_place(number)
    return _asked(state, TaskKind.PLACEMENT_RATING, place, PLACEMENT_RATERS, state.phase, at)


def lapses_at(state: ParticipantState, task: Task) -> datetime | None:
    plan = state.programme.feedback
    if plan is None or not task.is_feedback or not task.is_open:
        return None
    return task.due_at + scaled(plan.lapses_after, state.time_scale)


def lapsed(task: Task, at: datetime) -> TaskCancelled:
    return TaskCancelled(task_id=task.task_id, reason=LAPSED, cancelled_at=at)


# --- answering ---------------------------------------------------------------------------


def _host(
    state: ParticipantState, task: Task, command: GiveFeedback
) -> tuple[str | None, str | None]:
    """Where a placement rating is about: the participant's home for the care placement;
    for an outplacement, its host as named by whoever rated it first, or now."""
    subject = subject_of(task)
    if not subject.startswith("outplacement_"):
        return state.home_id, None
    named = (command.host_home_id or None, (command.host_name or "").strip() or None)
    earlier = next(
        (
            (answer.place_home_id, answer.place_name)
            for answer in state.feedback
            if answer.form == PLACEMENT_RUBRIC.key and answer.subject == subject
        ),
        None,
    )
    if named == (None, None):
        if earlier is None:
            raise InvalidFeedback(
                f"name the host of {_subject_words(task.kind, subject)}: a home, or the "
                "organisation that hosted it"
            )
        return earlier
    if named[0] is not None and named[1] is not None:
        raise InvalidFeedback("name the host once: a home, or an organisation, not both")
    if earlier is not None and earlier != named:
        raise InvalidFeedback(
            f"{_subject_words(task.kind, subject)} was hosted by "
            f"{earlier[0] or earlier[1]}, as already rated"
        )
    return named


def give_feedback(
    state: ParticipantState, command: GiveFeedback, now: datetime
) -> list[ParticipantEvent]:
    task = state.tasks.get(command.task_id)
    if task is None or not task.is_feedback:
        raise InvalidFeedback(
            f"participant {state.participant_id} has no feedback task {command.task_id}"
        )
    if not task.is_open:
        raise InvalidFeedback(f"task {task.task_id} ({task.title}) is {task.status.value}")
    if command.by != task.assignee:
        raise PersonNotAllowed(
            f"{command.by} may not answer task {task.task_id}: it is asked of {task.assignee}"
        )
    form_of(task).check(command.scores)
    place_home_id, place_name = (
        _host(state, task, command) if task.kind == TaskKind.PLACEMENT_RATING else (None, None)
    )
    comment = (command.comment or "").strip() or None
    return [
        FeedbackGiven(
            task_id=task.task_id,
            form=form_of(task).key,
            subject=subject_of(task),
            role=task.role,
            respondent=command.by,
            home_id=state.home_id,
            place_home_id=place_home_id,
            place_name=place_name,
            scores=dict(command.scores),
            comment=comment,
            given_at=now,
        ),
        TaskDecided(
            task_id=task.task_id, decided_by=command.by, outcome=Outcome.SUBMITTED, decided_at=now
        ),
    ]


def record_care_feedback(
    state: ParticipantState, command: RecordCareFeedback, now: datetime
) -> list[ParticipantEvent]:
    if not state.holds_role(command.by, CARE_FEEDBACK_RECORDERS):
        raise PersonNotAllowed(
            f"{command.by} may not record feedback from people receiving care from "
            f"{state.participant_id}: their ops lead or Development Lead records it"
        )
    CARE_FEEDBACK.check(command.scores)
    phase, home = state.phase, state.home_id
    if phase is None or home is None:
        raise InvalidFeedback(f"participant {state.participant_id} has no placement yet")
    return [
        CareFeedbackRecorded(
            number=len(state.care_feedback) + 1,
            phase=phase,
            home_id=home,
            scores=dict(command.scores),
            comment=(command.comment or "").strip() or None,
            recorded_by=command.by,
            recorded_at=now,
        )
    ]
