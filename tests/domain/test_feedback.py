"""Feedback for the success measures (programme 2026.2): placement ratings, phase surveys,
LQF assessments and feedback from people receiving care, as given/when/then: given a
participant's record, when time passes or someone answers, then these events or this
refusal."""

from datetime import timedelta

import pytest
from domain_builders import SUPPORT
from test_participant_work import PID, of_type, reach, refusal, when

from domain.participant.commands import AdvanceTime, DecideTask, GiveFeedback, RecordCareFeedback
from domain.participant.events import (
    CareFeedbackRecorded,
    FeedbackGiven,
    RagChanged,
    TaskCancelled,
    TaskDecided,
)
from domain.participant.feedback import LAPSED
from domain.participant.state import ParticipantState
from domain.participant.timeline import due, next_wakeup
from domain.programme.feedback import LQF_ASSESSMENT, PLACEMENT_RUBRIC
from domain.programme.phases import Phase
from domain.programme.tasks import Outcome, TaskKind, TaskStatus
from domain.rag import RagStatus
from domain.rehearsal.people import feedback_for, work_and_answer
from domain.roles import Role

LEAD, RM, MENTOR, OPS = (
    SUPPORT.development_lead,
    SUPPORT.registered_manager,
    SUPPORT.employer_mentor,
    SUPPORT.ops_lead,
)


def feedback_tasks(state: ParticipantState) -> dict[str, str]:
    return {t.task_id: t.assignee for t in state.open_tasks if t.is_feedback}


def test_the_lqf_is_asked_of_the_participant_and_the_three_around_them_at_the_start() -> None:
    # Given a participant on 2026.2 whose Summer Institute has just started
    state, _ = reach(Phase.SUMMER_INSTITUTE, "2026.2")
    # Then the LQF at the start is asked of them and of their RM, mentor and lead
    assert feedback_tasks(state) == {
        "lqf.start.participant": PID,
        "lqf.start.registered_manager": RM,
        "lqf.start.employer_mentor": MENTOR,
        "lqf.start.development_lead": LEAD,
    }
    task = state.tasks["lqf.start.participant"]
    assert task.kind == TaskKind.LQF_ASSESSMENT
    assert task.due_at - task.opened_at == timedelta(weeks=3)


def test_earlier_versions_ask_for_no_feedback() -> None:
    state, _ = reach(Phase.FIRST_LINE_MANAGEMENT, "2025.1")
    assert not [t for t in state.tasks.values() if t.is_feedback]


def test_the_end_of_the_care_placement_asks_for_surveys_and_the_placement_rating() -> None:
    # Given a participant whose care placement has just ended
    state, _ = reach(Phase.FIRST_LINE_MANAGEMENT, "2026.2")
    asked = feedback_tasks(state)
    # Then the participant and their RM (for the employer) are surveyed about it, and the
    # participant and their Development Lead rate the placement
    assert {
        "survey.care_placement.participant": PID,
        "survey.care_placement.registered_manager": RM,
        "placement_rating.care_placement.participant": PID,
        "placement_rating.care_placement.development_lead": LEAD,
    }.items() <= asked.items()


def test_a_rating_fits_the_rubric_and_its_comment_stays_out_of_the_state() -> None:
    state, now = reach(Phase.FIRST_LINE_MANAGEMENT, "2026.2")
    task_id = "placement_rating.care_placement.participant"
    # When the participant leaves a criterion out, or scores off the scale: refused
    scores = {"learning": 2, "support": 2, "leadership_exposure": 6}
    assert refusal(state, GiveFeedback(by=PID, task_id=task_id, scores=scores), now) == (
        "InvalidFeedback: Placement rating: no answer to safety_culture; "
        "leadership_exposure is 6, not between 1 and 5"
    )
    # When someone else answers it: refused
    full = {**scores, "leadership_exposure": 3, "safety_culture": 1}
    assert refusal(state, GiveFeedback(by=LEAD, task_id=task_id, scores=full), now) == (
        f"PersonNotAllowed: {LEAD} may not answer task {task_id}: it is asked of {PID}"
    )
    # When it is decided like a sign-off: refused
    approve = DecideTask(task_id=task_id, decided_by=PID, outcome=Outcome.APPROVE)
    assert refusal(state, approve, now).startswith(
        f"InvalidFeedback: task {task_id} (Rate the placement: Hands-on care placement) is "
        "answered with its form"
    )
    # When the participant rates it with a comment
    rated = GiveFeedback(by=PID, task_id=task_id, scores=full, comment="Short-staffed nights")
    state, events = when(state, rated, now)
    # Then the rating is on record, about their home, and the task is done
    [given] = of_type(events, FeedbackGiven)
    assert (given.form, given.subject, given.place_home_id, given.scores, given.comment) == (
        PLACEMENT_RUBRIC.key,
        "care_placement",
        "H-1",
        full,
        "Short-staffed nights",
    )
    assert [e.outcome for e in of_type(events, TaskDecided)] == [Outcome.SUBMITTED]
    assert state.tasks[task_id].status == TaskStatus.SUBMITTED
    # And the state keeps the scores, and only that there is a comment
    answer = state.feedback[-1]
    assert (answer.scores, answer.has_comment, answer.mean) == (full, True, 2.0)
    assert "Short-staffed" not in state.model_dump_json()


def test_feedback_never_turns_the_rag_amber_and_lapses_unanswered() -> None:
    # Given the LQF at the start asked, and everything else answered in time
    state, _ = reach(Phase.SUMMER_INSTITUTE, "2026.2")
    task = state.tasks["lqf.start.registered_manager"]
    # When its due date passes: the participant stays green, and it is reminded
    later = task.due_at + timedelta(days=1)
    events = due(state, later)
    assert not of_type(events, RagChanged)
    # When three weeks more pass: it closes unanswered
    events = due(state, task.due_at + timedelta(weeks=3))
    lapsed = [e for e in of_type(events, TaskCancelled) if e.task_id == task.task_id]
    assert [e.reason for e in lapsed] == [LAPSED]
    state, _ = when(state, AdvanceTime(), task.due_at + timedelta(weeks=3))
    assert state.tasks[task.task_id].status == TaskStatus.CANCELLED
    assert state.rag == RagStatus.GREEN
    assert refusal(state, feedback_for(task), task.due_at + timedelta(weeks=3)).startswith(
        "InvalidFeedback: task lqf.start.registered_manager"
    )


def test_an_outplacement_rating_names_its_host_once() -> None:
    # Given a participant whose first outplacement has just ended
    state, now = reach(Phase.FIRST_LINE_MANAGEMENT, "2026.2")
    while "placement_rating.outplacement_1.participant" not in state.tasks:
        answerable = [t for t in state.open_tasks if not t.is_feedback]
        if answerable:
            for command in work_and_answer(state, answerable[0]):
                state, _ = when(state, command, now)
            continue
        wakeup = next_wakeup(state)
        assert wakeup is not None
        now = max(now, wakeup)
        state, _ = when(state, AdvanceTime(), now)
    now = state.as_of or now
    mine = "placement_rating.outplacement_1.participant"
    theirs = "placement_rating.outplacement_1.development_lead"
    scores = {key: 2 for key in PLACEMENT_RUBRIC.question_keys()}
    # When the participant rates it without naming the host: refused
    assert refusal(state, GiveFeedback(by=PID, task_id=mine, scores=scores), now) == (
        "InvalidFeedback: name the host of outplacement 1: a home, or the organisation that "
        "hosted it"
    )
    # When they name a home of the directory as its host
    state, events = when(
        state, GiveFeedback(by=PID, task_id=mine, scores=scores, host_home_id="H-9"), now
    )
    assert of_type(events, FeedbackGiven)[0].place_home_id == "H-9"
    # Then the Development Lead's rating of it is about the same host, named or not
    other = GiveFeedback(by=LEAD, task_id=theirs, scores=scores, host_name="Elsewhere")
    assert refusal(state, other, now) == (
        "InvalidFeedback: outplacement 1 was hosted by H-9, as already rated"
    )
    state, events = when(state, GiveFeedback(by=LEAD, task_id=theirs, scores=scores), now)
    assert (of_type(events, FeedbackGiven)[0].place_home_id, state.feedback[-1].role) == (
        "H-9",
        Role.DEVELOPMENT_LEAD,
    )


@pytest.mark.parametrize("version", ["2025.1", "2026.2"])
def test_ops_record_feedback_from_people_receiving_care(version: str) -> None:
    # Given a participant in their care placement (feedback from people receiving care
    # is recorded on any version: it is not asked for by the timetable)
    state, now = reach(Phase.CARE_PLACEMENT, version)
    scores = {"respect": 5, "listened": 4, "safe": 5, "difference": 4}
    # When their Registered Manager records it: refused
    assert refusal(state, RecordCareFeedback(by=RM, scores=scores), now) == (
        f"PersonNotAllowed: {RM} may not record feedback from people receiving care from "
        f"{PID}: their ops lead or Development Lead records it"
    )
    # When their ops lead records it
    state, events = when(state, RecordCareFeedback(by=OPS, scores=scores, comment="Kind"), now)
    # Then it is tied to their phase and home, and the comment stays out of the state
    [recorded] = of_type(events, CareFeedbackRecorded)
    assert (recorded.number, recorded.phase, recorded.home_id) == (1, Phase.CARE_PLACEMENT, "H-1")
    assert state.care_feedback[0].mean == 4.5
    assert "Kind" not in state.model_dump_json()


def test_an_lqf_assessment_scores_each_element_on_the_four_levels() -> None:
    state, now = reach(Phase.SUMMER_INSTITUTE, "2026.2")
    assert len(LQF_ASSESSMENT.questions) == 20  # five dimensions of four elements
    task = state.tasks["lqf.start.participant"]
    answer = feedback_for(task, score=2)
    state, _ = when(state, answer, now)
    assert state.feedback[-1].form == LQF_ASSESSMENT.key
    assert set(state.feedback[-1].scores.values()) == {2}
