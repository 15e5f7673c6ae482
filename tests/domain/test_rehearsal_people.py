"""A rehearsal's policy file and its simulated people: bad input named field by field,
the same seed making the same choices whatever order tasks are seen in, and the rates
the policy gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.participant.commands import AdvanceTime, DecideTask
from domain.participant.decide import decide
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import next_wakeup
from domain.programme.phases import Phase
from domain.programme.tasks import Outcome, TaskKind
from domain.rehearsal.people import plan_answer, work_and_answer
from domain.rehearsal.policy import InvalidRehearsalPolicy, RehearsalPolicy, policy_from
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, until_phase


def in_care_placement() -> ParticipantState:
    state = initial_state("P-1")
    state = applied(state, decide(state, enrol_command(), PROGRAMME_START - timedelta(weeks=4)))
    return until_phase(state, Phase.CARE_PLACEMENT)


def test_a_bad_policy_names_every_problem() -> None:
    with pytest.raises(InvalidRehearsalPolicy) as refused:
        policy_from(
            {
                "send_back_rate": 2,
                "incidents": [{"kind": "flood", "participant": "P-1", "week": 3}],
                "colour": "blue",
            }
        )
    assert str(refused.value) == (
        "the rehearsal policy is not valid: send_back_rate: Input should be less than or "
        "equal to 1; incidents.0.kind: Input should be 'placement_breakdown', 'withdrawal', "
        "'break_in_learning' or 'missed_review'; colour: Extra inputs are not permitted"
    )


def test_incidents_must_name_the_cohort_s_participants() -> None:
    policy = policy_from({"incidents": [{"kind": "withdrawal", "participant": "P-9", "week": 3}]})
    with pytest.raises(InvalidRehearsalPolicy, match="does not have: P-9"):
        policy.check_participants({"P-1", "P-2"})


def test_the_same_seed_makes_the_same_choices_in_any_order() -> None:
    state = in_care_placement()
    policy = RehearsalPolicy(seed=5)
    tasks = sorted(state.open_tasks, key=lambda t: t.task_id)
    forwards = [plan_answer(state, task, policy) for task in tasks]
    backwards = [plan_answer(state, task, policy) for task in reversed(tasks)]
    assert forwards == list(reversed(backwards))
    assert forwards != [plan_answer(state, t, RehearsalPolicy(seed=6)) for t in tasks]


def test_on_time_answers_fall_between_opening_and_due_date() -> None:
    state = in_care_placement()
    policy = policy_from({"answer": {"late_rate": 0}, "send_back_rate": 0, "refusal_rate": 0})
    for task in state.open_tasks:
        plan = plan_answer(state, task, policy)
        assert task.opened_at <= plan.at <= task.due_at
        assert plan.refused_first_by is None
        assert plan.commands[-1] == DecideTask(
            task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
        )


def test_every_first_answer_sends_back_at_a_rate_of_one_and_someone_refused_tries_first() -> None:
    state = in_care_placement()
    policy = policy_from({"send_back_rate": 1, "refusal_rate": 1})
    for task in state.open_tasks:
        plan = plan_answer(state, task, policy)
        (answer,) = plan.commands
        assert isinstance(answer, DecideTask) and answer.outcome is Outcome.SEND_BACK
        assert answer.comment and plan.refused_first_by == "P-1"


def test_an_answer_tried_again_does_not_repeat_what_is_on_record() -> None:
    state = initial_state("P-1")
    enrol = enrol_command(programme_version="2026.1")
    state = applied(state, decide(state, enrol, PROGRAMME_START - timedelta(weeks=4)))
    state = until_phase(state, Phase.CARE_PLACEMENT)
    while not any(t.kind is TaskKind.PROGRESS_REVIEW for t in state.open_tasks):
        state = applied(state, decide(state, AdvanceTime(), next_wakeup(state) or PROGRAMME_START))
    review = next(t for t in state.open_tasks if t.kind is TaskKind.PROGRESS_REVIEW)
    draft, first_signature, *rest = work_and_answer(state, review)
    now = state.as_of or PROGRAMME_START
    for command in (draft, first_signature):
        state = applied(state, decide(state, command, now))
    assert work_and_answer(state, review) == rest
