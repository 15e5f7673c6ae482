"""Approval tasks: who may decide each kind, the outcomes each allows, reminders and
escalation from the task policy, delegation, reassignment, and refused decisions kept on
record without being applied."""

from datetime import datetime, timedelta

import pytest
from domain_builders import PROGRAMME_START, applied, enrol_command

from domain.errors import DomainError, PersonNotAllowed
from domain.participant.commands import (
    AdvanceTime,
    DecideTask,
    Delegate,
    ParticipantCommand,
    ReassignTask,
)
from domain.participant.decide import decide, refuse
from domain.participant.events import (
    DecisionRefused,
    DelegationEnded,
    DelegationGranted,
    ParticipantEvent,
    RagChanged,
    TaskDecided,
    TaskEscalated,
    TaskReassigned,
    TaskReminderDue,
)
from domain.participant.inbox import open_task_rows
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import Phase
from domain.programme.task_policy import TASK_POLICIES, policy_for
from domain.programme.tasks import Outcome, TaskKind, TaskStatus
from domain.rag import RagStatus
from domain.roles import Role

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)
INSTITUTE_DUE = PROGRAMME_START + timedelta(weeks=7)


def enrolled() -> ParticipantState:
    return applied(initial_state("P-1"), decide(initial_state("P-1"), enrol_command(), ENROLLED_AT))


def at_institute() -> ParticipantState:
    """In the Summer Institute, on its first day; institute_completion is open."""
    state = enrolled()
    approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")
    state = applied(state, decide(state, approve, PROGRAMME_START - timedelta(days=1)))
    state = applied(state, due(state, PROGRAMME_START))
    assert state.phase == Phase.SUMMER_INSTITUTE
    return state


def in_phase(phase: Phase) -> ParticipantState:
    """Everything approved by its assignee, promptly, until `phase` begins."""
    state = enrolled()
    now = ENROLLED_AT
    while state.phase != phase:
        if state.open_tasks:
            task = state.open_tasks[0]
            command: ParticipantCommand = DecideTask(
                task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
            )
        else:
            wakeup = next_wakeup(state)
            assert wakeup is not None
            now, command = wakeup, AdvanceTime()
        state = applied(state, decide(state, command, now))
    return state


def refusal(state: ParticipantState, command: ParticipantCommand, now: datetime) -> str:
    with pytest.raises(DomainError) as refused:
        decide(state, command, now)
    return f"{type(refused.value).__name__}: {refused.value}"


def run_until(
    state: ParticipantState, until: datetime
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    """Wake at each of the timetable's instants until `until`, as the workflow does."""
    recorded: list[ParticipantEvent] = []
    while (wakeup := next_wakeup(state)) is not None and wakeup <= until:
        events = due(state, wakeup)
        assert events
        state = applied(state, events)
        recorded.extend(events)
    return state, recorded


# --- the policy table ------------------------------------------------------------------


def test_every_kind_has_a_policy_and_every_policy_allows_the_generic_outcomes() -> None:
    assert set(TASK_POLICIES) == set(TaskKind)
    for policy in TASK_POLICIES.values():
        if policy.handed_in:  # the participant's own work: done by handing it in
            assert set(policy.outcomes) == {Outcome.SUBMITTED}
            continue
        assert {Outcome.APPROVE, Outcome.REJECT, Outcome.SEND_BACK} <= set(policy.outcomes)
    assert set(policy_for(TaskKind.DIPLOMA_RESULT).outcomes) >= {Outcome.PASS, Outcome.REFER}
    assert set(policy_for(TaskKind.RM_READINESS).outcomes) >= {
        Outcome.READY,
        Outcome.NOT_YET,
        Outcome.OTHER_DESTINATION,
    }
    assert Outcome.PASS not in policy_for(TaskKind.RM_READINESS).outcomes


def test_due_dates_come_from_the_policy() -> None:
    state = at_institute()
    assert state.tasks["institute_completion"].due_at == INSTITUTE_DUE  # the phase's end
    state, _ = run_until(state, PROGRAMME_START + timedelta(weeks=12))
    review = state.tasks["progress_review.1"]
    assert review.due_at == review.opened_at + timedelta(weeks=2)


# --- refusals, word for word -------------------------------------------------------------


def test_refusal_messages_for_decisions() -> None:
    state = at_institute()
    now = PROGRAMME_START + timedelta(days=1)
    done = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    assert refusal(state, done.model_copy(update={"task_id": "level5_diploma"}), now) == (
        "UnknownTask: participant P-1 has no task level5_diploma"
    )
    assert refusal(state, done.model_copy(update={"task_id": "pre_start_checks"}), now) == (
        "TaskAlreadyDecided: task pre_start_checks was already decided "
        "(approved by P-ops-1 on 2027-09-05)"
    )
    assert refusal(state, done.model_copy(update={"decided_by": "P-rm-1"}), now) == (
        "PersonNotAllowed: P-rm-1 may not decide task institute_completion: it is assigned "
        "to P-institute-1 (institute_lead)"
    )
    assert refusal(state, done.model_copy(update={"outcome": "pass"}), now) == (
        "OutcomeNotAllowed: outcome pass is not allowed for task institute_completion "
        "(institute_completion); allowed: approve, reject, send_back"
    )
    assert refusal(state, done.model_copy(update={"outcome": "reject", "comment": "  "}), now) == (
        "CommentRequired: a comment is required to reject task institute_completion"
    )


def test_refusal_names_the_other_roles_that_may_decide() -> None:
    state = in_phase(Phase.CARE_PLACEMENT)
    review = DecideTask(task_id="placement_review", decided_by="P-coach-1", outcome="approve")
    assert refusal(state, review, state.as_of or PROGRAMME_START) == (
        "PersonNotAllowed: P-coach-1 may not decide task placement_review: it is assigned to "
        "P-rm-1 (registered_manager); employer_mentor P-mentor-1 may also decide it"
    )
    # The employer mentor holds that role for this participant, so their answer counts.
    by_mentor = review.model_copy(update={"decided_by": "P-mentor-1"})
    after = applied(state, decide(state, by_mentor, state.as_of or PROGRAMME_START))
    assert after.tasks["placement_review"].status == TaskStatus.APPROVED


# --- kind-specific outcomes ---------------------------------------------------------------


def test_diploma_results_pass_or_refer_with_a_comment() -> None:
    state = in_phase(Phase.FIRST_LINE_MANAGEMENT)
    now = state.as_of or PROGRAMME_START
    refer = DecideTask(task_id="level3_diploma", decided_by="P-assessor-1", outcome="refer")
    assert refusal(state, refer, now) == (
        "CommentRequired: a comment is required to refer task level3_diploma"
    )
    state = applied(state, decide(state, refer.model_copy(update={"comment": "unit 7"}), now))
    assert state.tasks["level3_diploma"].status == TaskStatus.SENT_BACK
    retry = state.tasks["level3_diploma~2"]
    # The original due date (the phase's end) is more than the 8 weeks refer allows.
    assert retry.due_at == state.phase_earliest_end
    passed = DecideTask(task_id="level3_diploma~2", decided_by="P-assessor-1", outcome="pass")
    state = applied(state, decide(state, passed, now + timedelta(days=1)))
    assert state.tasks["level3_diploma~2"].status == TaskStatus.APPROVED
    assert "level3_diploma" in state.sign_offs_done


def test_progress_reviews_are_on_track_or_record_concerns() -> None:
    state, _ = run_until(at_institute(), PROGRAMME_START + timedelta(weeks=12))
    now = PROGRAMME_START + timedelta(weeks=12, days=1)
    concerns = DecideTask(
        task_id="progress_review.1", decided_by="P-devlead-1", outcome=Outcome.CONCERNS
    )
    assert refusal(state, concerns, now) == (
        "CommentRequired: a comment is required to record concerns on task progress_review.1"
    )
    noted = concerns.model_copy(update={"comment": "rota work behind plan"})
    state = applied(state, decide(state, noted, now))
    assert state.tasks["progress_review.1"].status == TaskStatus.APPROVED
    assert "progress_review.1~2" not in state.tasks  # a review is not asked again


def test_readiness_needs_both_signatures_from_two_different_people() -> None:
    state = in_phase(Phase.RM_READINESS)
    now = state.as_of or PROGRAMME_START
    assert state.sign_offs_needed == (
        "readiness.development_lead",
        "readiness.registered_manager",
        "fit_and_proper",
    )
    for task_id, person in (
        ("fit_and_proper", "P-ops-1"),
        ("readiness.development_lead", "P-devlead-1"),
    ):
        ready = DecideTask(task_id=task_id, decided_by=person, outcome=Outcome.APPROVE)
        state = applied(state, decide(state, ready, now))
    # One signature is not enough: the phase waits for the Registered Manager's.
    state = applied(state, due(state, state.phase_earliest_end or now))
    assert state.phase == Phase.RM_READINESS and state.completed_at is None
    assert state.sign_offs_needed == ("readiness.registered_manager",)
    # The Development Lead cannot sign for the home, even when the task is handed to them.
    handed = ReassignTask(
        task_id="readiness.registered_manager", to_person="P-devlead-1", by="P-ops-1"
    )
    state = applied(state, decide(state, handed, now))
    twice = DecideTask(
        task_id="readiness.registered_manager", decided_by="P-devlead-1", outcome="ready"
    )
    assert refusal(state, twice, now) == (
        "PersonNotAllowed: P-devlead-1 may not decide task readiness.registered_manager: "
        "they already signed readiness.development_lead, and rm_readiness needs two "
        "different people"
    )


def test_readiness_not_yet_extends_and_other_destination_closes() -> None:
    state = in_phase(Phase.RM_READINESS)
    now = state.as_of or PROGRAMME_START
    not_yet = DecideTask(
        task_id="readiness.registered_manager", decided_by="P-rm-1", outcome="not_yet"
    )
    assert refusal(state, not_yet, now) == (
        "CommentRequired: a comment is required to answer not yet on task "
        "readiness.registered_manager"
    )
    state = applied(state, decide(state, not_yet.model_copy(update={"comment": "budgets"}), now))
    assert state.tasks["readiness.registered_manager~2"].due_at == now + timedelta(weeks=12)
    elsewhere = DecideTask(
        task_id="readiness.development_lead",
        decided_by="P-devlead-1",
        outcome="other_destination",
        comment="moving to a commissioning role",
    )
    state = applied(state, decide(state, elsewhere, now))
    assert state.tasks["readiness.development_lead"].status == TaskStatus.REJECTED
    assert "readiness.development_lead~2" not in state.tasks


# --- reminders and escalation --------------------------------------------------------------


def test_reminders_then_escalation_at_the_policys_times() -> None:
    state, events = run_until(at_institute(), PROGRAMME_START + timedelta(weeks=11))
    chased = [
        (e.at - PROGRAMME_START, type(e).__name__, e.to_person)
        for e in events
        if isinstance(e, TaskReminderDue | TaskEscalated) and e.task_id == "institute_completion"
    ]
    assert chased == [
        (timedelta(weeks=5), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=6), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=7), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=8), "TaskEscalated", "P-devlead-1"),
        (timedelta(weeks=9), "TaskEscalated", "P-ops-1"),
    ]
    escalation = next(e for e in events if isinstance(e, TaskEscalated))
    assert escalation == TaskEscalated(
        task_id="institute_completion",
        level=1,
        to_role=Role.DEVELOPMENT_LEAD,
        to_person="P-devlead-1",
        assignee="P-institute-1",
        kind=TaskKind.INSTITUTE_COMPLETION,
        title="Summer Institute completed",
        due_at=INSTITUTE_DUE,
        at=INSTITUTE_DUE + timedelta(days=7),
    )
    # Amber comes at the due instant, before that instant's reminder.
    at_due = [type(e).__name__ for e in events if e.at == INSTITUTE_DUE]
    assert at_due == ["RagChanged", "TaskReminderDue"]
    assert state.tasks["institute_completion"].escalation_level == 2
    rows = open_task_rows(state, PROGRAMME_START + timedelta(weeks=11))
    assert [(r.task_id, r.overdue, r.escalation_level) for r in rows] == [
        ("institute_completion", True, 2)
    ]


def test_an_escalation_to_the_tasks_own_role_is_skipped() -> None:
    _, events = run_until(at_institute(), PROGRAMME_START + timedelta(weeks=16))
    escalated = [
        e for e in events if isinstance(e, TaskEscalated) and e.task_id == "progress_review.1"
    ]
    # Progress reviews belong to the Development Lead, so they go straight to ops (at the
    # ops step's own time: 14 days overdue).
    assert [(e.level, e.to_role, e.at - PROGRAMME_START) for e in escalated] == [
        (1, Role.OPS, timedelta(weeks=14, days=14))
    ]


def test_an_answer_stops_the_chasing() -> None:
    state, _ = run_until(at_institute(), PROGRAMME_START + timedelta(weeks=5))
    assert state.tasks["institute_completion"].reminders_sent == 1
    done = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    state = applied(state, decide(state, done, PROGRAMME_START + timedelta(weeks=5, days=1)))
    _, later = run_until(state, PROGRAMME_START + timedelta(weeks=12))
    assert not [e for e in later if getattr(e, "task_id", None) == "institute_completion"]


# --- delegation ------------------------------------------------------------------------


def test_a_deputy_decides_within_the_delegation_window_only() -> None:
    state = at_institute()
    starts, until = PROGRAMME_START + timedelta(weeks=2), PROGRAMME_START + timedelta(weeks=4)
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=starts,
        until=until,
        by="P-institute-1",
    )
    state = applied(state, decide(state, away, PROGRAMME_START + timedelta(days=1)))
    assert state.delegations[0].delegation_id == 1
    by_deputy = DecideTask(
        task_id="institute_completion", decided_by="P-deputy-9", outcome="approve"
    )
    window = (
        "PersonNotAllowed: P-deputy-9 may not decide task institute_completion: their "
        "delegation from P-institute-1 runs from 2027-09-20 09:00 UTC until "
        "2027-10-04 09:00 UTC"
    )
    assert refusal(state, by_deputy, starts - timedelta(minutes=1)) == window
    assert refusal(state, by_deputy, until) == window

    events = decide(state, by_deputy, starts)
    decided = next(e for e in events if isinstance(e, TaskDecided))
    assert (decided.decided_by, decided.on_behalf_of) == ("P-deputy-9", "P-institute-1")
    assert applied(state, events).tasks["institute_completion"].decision is not None


def test_the_end_of_a_delegation_is_recorded_and_reminders_follow_the_deputy() -> None:
    state = at_institute()
    starts, until = (
        PROGRAMME_START + timedelta(weeks=4),
        PROGRAMME_START + timedelta(weeks=6, days=3),
    )
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=starts,
        until=until,
        by="P-ops-1",
    )
    state = applied(state, decide(state, away, PROGRAMME_START))
    assert next_wakeup(state) == PROGRAMME_START + timedelta(weeks=5)  # the first reminder
    state, events = run_until(state, PROGRAMME_START + timedelta(weeks=7))
    reminders = [(e.reminder_number, e.to_person) for e in events if isinstance(e, TaskReminderDue)]
    assert reminders == [(1, "P-deputy-9"), (2, "P-deputy-9"), (3, "P-institute-1")]
    assert [e for e in events if isinstance(e, DelegationEnded)] == [
        DelegationEnded(
            delegation_id=1, from_person="P-institute-1", to_person="P-deputy-9", ended_at=until
        )
    ]
    assert state.delegations[0].ended
    rows = open_task_rows(state, PROGRAMME_START + timedelta(weeks=5))
    assert rows[0].delegate == "P-deputy-9"


def test_delegation_refusals() -> None:
    state = at_institute()
    now = PROGRAMME_START + timedelta(days=1)
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=now,
        until=now + timedelta(weeks=1),
        by="P-coach-1",
    )
    assert refusal(state, away, now) == (
        "PersonNotAllowed: P-coach-1 may not delegate the tasks of P-institute-1: "
        "only they or ops may"
    )
    backwards = away.model_copy(update={"by": "P-ops-1", "until": now})
    assert refusal(state, backwards, now) == (
        "InvalidDelegation: a delegation must end after it starts: "
        "2027-09-07 09:00 UTC to 2027-09-07 09:00 UTC"
    )
    to_self = away.model_copy(update={"by": "P-ops-1", "to_person": "P-institute-1"})
    assert refusal(state, to_self, now) == (
        "InvalidDelegation: P-institute-1 cannot delegate to themselves"
    )
    past = away.model_copy(
        update={"by": "P-ops-1", "starts_at": now - timedelta(weeks=2), "until": now}
    )
    assert refusal(state, past, now) == (
        "InvalidDelegation: a delegation until 2027-09-07 09:00 UTC has already ended"
    )


# --- reassignment ------------------------------------------------------------------------


def test_reassignment_moves_the_task_and_who_may_decide_it() -> None:
    state = at_institute()
    now = PROGRAMME_START + timedelta(days=2)
    handed = ReassignTask(
        task_id="institute_completion",
        to_person="P-institute-2",
        by="P-devlead-1",
        reason="lead on leave",
    )
    events = decide(state, handed, now)
    assert events == [
        TaskReassigned(
            task_id="institute_completion",
            from_person="P-institute-1",
            to_person="P-institute-2",
            by="P-devlead-1",
            reason="lead on leave",
            reassigned_at=now,
        )
    ]
    state = applied(state, events)
    old = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    assert refusal(state, old, now) == (
        "PersonNotAllowed: P-institute-1 may not decide task institute_completion: it is "
        "assigned to P-institute-2 (institute_lead)"
    )
    new = old.model_copy(update={"decided_by": "P-institute-2"})
    assert applied(state, decide(state, new, now)).tasks["institute_completion"].decision


def test_reassignment_refusals() -> None:
    state = at_institute()
    now = PROGRAMME_START + timedelta(days=2)
    handed = ReassignTask(task_id="institute_completion", to_person="P-x", by="P-coach-1")
    assert refusal(state, handed, now) == (
        "PersonNotAllowed: P-coach-1 may not reassign task institute_completion: only its "
        "assignee, ops or the people it escalates to may (P-institute-1, P-ops-1, P-devlead-1)"
    )
    same = handed.model_copy(update={"by": "P-ops-1", "to_person": "P-institute-1"})
    assert refusal(state, same, now) == (
        "InvalidReassignment: task institute_completion is already assigned to P-institute-1"
    )
    gone = handed.model_copy(update={"by": "P-ops-1", "task_id": "pre_start_checks"})
    assert refusal(state, gone, now).startswith("TaskAlreadyDecided: task pre_start_checks")


# --- refused decisions by Signal -----------------------------------------------------------


def test_a_refused_decision_is_recorded_and_not_applied() -> None:
    state = at_institute()
    now = PROGRAMME_START + timedelta(days=3)
    wrong = DecideTask(
        task_id="institute_completion", decided_by="P-rm-1", outcome="approve", comment="done"
    )
    with pytest.raises(PersonNotAllowed) as refused:
        decide(state, wrong, now)
    events = refuse(state, wrong, refused.value, now)
    assert events == [
        DecisionRefused(
            task_id="institute_completion",
            decided_by="P-rm-1",
            outcome=Outcome.APPROVE,
            comment="done",
            refusal="PersonNotAllowed",
            reason=str(refused.value),
            at=now,
        )
    ]
    after = applied(state, events)
    assert after.tasks == state.tasks and after.rag == state.rag
    assert after.version == state.version + 1


def test_refuse_catches_the_timetable_up_first() -> None:
    state = at_institute()
    late = INSTITUTE_DUE + timedelta(days=1)
    wrong = DecideTask(task_id="institute_completion", decided_by="P-rm-1", outcome="approve")
    with pytest.raises(PersonNotAllowed) as refused:
        decide(state, wrong, late)
    events = refuse(state, wrong, refused.value, late)
    assert isinstance(events[-1], DecisionRefused) and events[-1].at == late
    assert any(isinstance(e, RagChanged) for e in events)
    assert applied(state, events).rag == RagStatus.AMBER
    assert due(applied(state, events), late) == []


def test_granted_delegation_event_round_trips() -> None:
    state = at_institute()
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=PROGRAMME_START,
        until=PROGRAMME_START + timedelta(weeks=1),
        by="P-ops-1",
    )
    (granted,) = decide(state, away, PROGRAMME_START)
    assert isinstance(granted, DelegationGranted)
    assert DelegationGranted.model_validate(granted.model_dump(mode="json")) == granted


def test_events_and_state_stored_before_this_change_still_parse() -> None:
    from domain.participant.events import parse_participant_event

    old_decision = {
        "type": "TaskDecided",
        "task_id": "pre_start_checks",
        "decided_by": "P-ops-1",
        "outcome": "approve",
        "comment": None,
        "decided_at": "2027-08-01T09:00:00Z",
    }
    parsed = parse_participant_event(old_decision)
    assert isinstance(parsed, TaskDecided) and parsed.on_behalf_of is None
    state = enrolled()  # nothing chased or delegated yet: the new fields hold their defaults
    stored = state.model_dump(mode="json")
    del stored["delegations"]
    for task in stored["tasks"].values():
        del task["reminders_sent"], task["escalation_level"]
    assert ParticipantState.model_validate(stored) == state
