"""Approval tasks: who may decide each kind, the outcomes each allows, reminders and
escalation from the task policy, delegation, reassignment, and refused decisions kept on
record without being applied. Decider tests read given/when/then (tests/domain/given.py)."""

from datetime import datetime, timedelta

import pytest
from domain_builders import PROGRAMME_START, enrol_command, open_task_rows
from given import History, given

from domain.errors import (
    CommentRequired,
    InvalidDelegation,
    InvalidReassignment,
    OutcomeNotAllowed,
    PersonNotAllowed,
    TaskAlreadyDecided,
    UnknownTask,
)
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
    RagChanged,
    TaskDecided,
    TaskEscalated,
    TaskOpened,
    TaskReassigned,
    TaskReminderDue,
)
from domain.participant.state import ParticipantState
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import Phase
from domain.programme.task_policy import TASK_POLICIES, policy_for
from domain.programme.tasks import Outcome, Task, TaskKind, TaskStatus
from domain.rag import RagStatus
from domain.roles import Role

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)
INSTITUTE_DUE = PROGRAMME_START + timedelta(weeks=7)


def enrolled() -> History:
    return given().when(enrol_command(), at=ENROLLED_AT).accepted()


def at_institute() -> History:
    """In the Summer Institute, on its first day; institute_completion is open."""
    checks = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")
    history = enrolled().when(checks, at=PROGRAMME_START - timedelta(days=1)).accepted()
    history = history.wake_until(PROGRAMME_START)
    assert history.state.phase == Phase.SUMMER_INSTITUTE
    return history


def in_phase(phase: Phase) -> History:
    """Everything approved by its assignee, promptly, until `phase` begins."""
    history = enrolled()
    now = ENROLLED_AT
    while history.state.phase != phase:
        if history.state.open_tasks:
            task = history.state.open_tasks[0]
            command: ParticipantCommand = DecideTask(
                task_id=task.task_id, decided_by=task.assignee, outcome=Outcome.APPROVE
            )
        else:
            wakeup = next_wakeup(history.state)
            assert wakeup is not None
            now, command = wakeup, AdvanceTime()
        history = history.when(command, at=now).accepted()
    return history


def decided(
    task_id: str,
    by: str,
    outcome: Outcome,
    at: datetime,
    comment: str | None = None,
    on_behalf_of: str | None = None,
) -> TaskDecided:
    return TaskDecided(
        task_id=task_id,
        decided_by=by,
        outcome=outcome,
        comment=comment,
        decided_at=at,
        on_behalf_of=on_behalf_of,
    )


def asked_again(task: Task, at: datetime, due_at: datetime) -> TaskOpened:
    """The next attempt of `task`: the same question to the same person."""
    return TaskOpened(
        task_id=f"{task.task_id}~2",
        kind=task.kind,
        title=task.title,
        phase=task.phase,
        role=task.role,
        assignee=task.assignee,
        opened_at=at,
        due_at=due_at,
    )


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
    history = at_institute()
    assert history.state.tasks["institute_completion"].due_at == INSTITUTE_DUE  # the phase's end
    # Twelve weeks in, the first progress review opens, due two weeks later.
    twelve_weeks = PROGRAMME_START + timedelta(weeks=12)
    history.when(AdvanceTime(), at=twelve_weeks).then_includes(
        TaskOpened(
            task_id="progress_review.1",
            kind=TaskKind.PROGRESS_REVIEW,
            title="Progress review 1 (participant, employer and scheme)",
            phase=Phase.SUMMER_INSTITUTE,
            role=Role.DEVELOPMENT_LEAD,
            assignee="P-devlead-1",
            opened_at=twelve_weeks,
            due_at=twelve_weeks + timedelta(weeks=2),
        )
    )


# --- refusals, word for word -------------------------------------------------------------


def test_refusal_messages_for_decisions() -> None:
    history = at_institute()
    now = PROGRAMME_START + timedelta(days=1)
    done = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    history.when(done.model_copy(update={"task_id": "level5_diploma"}), at=now).then_refused(
        UnknownTask, "participant P-1 has no task level5_diploma"
    )
    history.when(done.model_copy(update={"task_id": "pre_start_checks"}), at=now).then_refused(
        TaskAlreadyDecided,
        "task pre_start_checks was already decided (approved by P-ops-1 on 2027-09-05)",
    )
    history.when(done.model_copy(update={"decided_by": "P-rm-1"}), at=now).then_refused(
        PersonNotAllowed,
        "P-rm-1 may not decide task institute_completion: it is assigned "
        "to P-institute-1 (institute_lead)",
    )
    history.when(done.model_copy(update={"outcome": "pass"}), at=now).then_refused(
        OutcomeNotAllowed,
        "outcome pass is not allowed for task institute_completion "
        "(institute_completion); allowed: approve, reject, send_back",
    )
    blank = done.model_copy(update={"outcome": "reject", "comment": "  "})
    history.when(blank, at=now).then_refused(
        CommentRequired, "a comment is required to reject task institute_completion"
    )


def test_refusal_names_the_other_roles_that_may_decide() -> None:
    history = in_phase(Phase.CARE_PLACEMENT)
    now = history.state.as_of or PROGRAMME_START
    review = DecideTask(task_id="placement_review", decided_by="P-coach-1", outcome="approve")
    history.when(review, at=now).then_refused(
        PersonNotAllowed,
        "P-coach-1 may not decide task placement_review: it is assigned to "
        "P-rm-1 (registered_manager); employer_mentor P-mentor-1 may also decide it",
    )
    # The employer mentor holds that role for this participant, so their answer counts.
    by_mentor = review.model_copy(update={"decided_by": "P-mentor-1"})
    after = history.when(by_mentor, at=now).then(
        decided("placement_review", "P-mentor-1", Outcome.APPROVE, now)
    )
    assert after.state.tasks["placement_review"].status == TaskStatus.APPROVED


# --- kind-specific outcomes ---------------------------------------------------------------


def test_diploma_results_pass_or_refer_with_a_comment() -> None:
    history = in_phase(Phase.FIRST_LINE_MANAGEMENT)
    now = history.state.as_of or PROGRAMME_START
    diploma = history.state.tasks["level3_diploma"]
    refer = DecideTask(task_id="level3_diploma", decided_by="P-assessor-1", outcome="refer")
    history.when(refer, at=now).then_refused(
        CommentRequired, "a comment is required to refer task level3_diploma"
    )
    # The original due date (the phase's end) is more than the 8 weeks refer allows.
    assert diploma.due_at > now + timedelta(weeks=8)
    history = history.when(refer.model_copy(update={"comment": "unit 7"}), at=now).then(
        decided("level3_diploma", "P-assessor-1", Outcome.REFER, now, comment="unit 7"),
        asked_again(diploma, now, due_at=diploma.due_at),
    )
    assert history.state.tasks["level3_diploma"].status == TaskStatus.SENT_BACK
    passed = DecideTask(task_id="level3_diploma~2", decided_by="P-assessor-1", outcome="pass")
    later = now + timedelta(days=1)
    history = history.when(passed, at=later).then(
        decided("level3_diploma~2", "P-assessor-1", Outcome.PASS, later)
    )
    assert "level3_diploma" in history.state.sign_offs_done


def test_progress_reviews_are_on_track_or_record_concerns() -> None:
    history = at_institute().wake_until(PROGRAMME_START + timedelta(weeks=12))
    now = PROGRAMME_START + timedelta(weeks=12, days=1)
    concerns = DecideTask(
        task_id="progress_review.1", decided_by="P-devlead-1", outcome=Outcome.CONCERNS
    )
    history.when(concerns, at=now).then_refused(
        CommentRequired, "a comment is required to record concerns on task progress_review.1"
    )
    noted = concerns.model_copy(update={"comment": "rota work behind plan"})
    # Recorded as held, and not asked again: a review happens once.
    history = history.when(noted, at=now).then(
        decided(
            "progress_review.1",
            "P-devlead-1",
            Outcome.CONCERNS,
            now,
            comment="rota work behind plan",
        )
    )
    assert history.state.tasks["progress_review.1"].status == TaskStatus.APPROVED


def test_readiness_needs_both_signatures_from_two_different_people() -> None:
    history = in_phase(Phase.RM_READINESS)
    now = history.state.as_of or PROGRAMME_START
    assert history.state.sign_offs_needed == (
        "readiness.development_lead",
        "readiness.registered_manager",
        "fit_and_proper",
    )
    for task_id, person in (
        ("fit_and_proper", "P-ops-1"),
        ("readiness.development_lead", "P-devlead-1"),
    ):
        ready = DecideTask(task_id=task_id, decided_by=person, outcome=Outcome.APPROVE)
        history = history.when(ready, at=now).then(decided(task_id, person, Outcome.APPROVE, now))
    # One signature is not enough: past its earliest end, the phase waits for the
    # Registered Manager's.
    end = history.state.phase_earliest_end
    assert end is not None
    history = history.wake_until(end + timedelta(weeks=2))
    assert history.state.phase == Phase.RM_READINESS and history.state.completed_at is None
    assert history.state.sign_offs_needed == ("readiness.registered_manager",)
    # The Development Lead cannot sign for the home, even when the task is handed to them.
    later = end + timedelta(weeks=2)
    handed = ReassignTask(
        task_id="readiness.registered_manager", to_person="P-devlead-1", by="P-ops-1"
    )
    history = history.when(handed, at=later).then(
        TaskReassigned(
            task_id="readiness.registered_manager",
            from_person="P-rm-1",
            to_person="P-devlead-1",
            by="P-ops-1",
            reassigned_at=later,
        )
    )
    twice = DecideTask(
        task_id="readiness.registered_manager", decided_by="P-devlead-1", outcome="ready"
    )
    history.when(twice, at=later).then_refused(
        PersonNotAllowed,
        "P-devlead-1 may not decide task readiness.registered_manager: "
        "they already signed readiness.development_lead, and rm_readiness needs two "
        "different people",
    )


def test_readiness_not_yet_extends_and_other_destination_closes() -> None:
    history = in_phase(Phase.RM_READINESS)
    now = history.state.as_of or PROGRAMME_START
    readiness = history.state.tasks["readiness.registered_manager"]
    not_yet = DecideTask(
        task_id="readiness.registered_manager", decided_by="P-rm-1", outcome="not_yet"
    )
    history.when(not_yet, at=now).then_refused(
        CommentRequired,
        "a comment is required to answer not yet on task readiness.registered_manager",
    )
    history = history.when(not_yet.model_copy(update={"comment": "budgets"}), at=now).then(
        decided("readiness.registered_manager", "P-rm-1", Outcome.NOT_YET, now, "budgets"),
        asked_again(readiness, now, due_at=now + timedelta(weeks=12)),
    )
    elsewhere = DecideTask(
        task_id="readiness.development_lead",
        decided_by="P-devlead-1",
        outcome="other_destination",
        comment="moving to a commissioning role",
    )
    # On record and closed, and not asked again.
    history = history.when(elsewhere, at=now).then(
        decided(
            "readiness.development_lead",
            "P-devlead-1",
            Outcome.OTHER_DESTINATION,
            now,
            comment="moving to a commissioning role",
        )
    )
    assert history.state.tasks["readiness.development_lead"].status == TaskStatus.REJECTED


# --- reminders and escalation --------------------------------------------------------------


def test_reminders_then_escalation_at_the_policys_times() -> None:
    history = at_institute().wake_until(PROGRAMME_START + timedelta(weeks=11))
    chased = [
        (m.at - PROGRAMME_START, type(m.event).__name__, m.event.to_person)
        for m in history.moments
        if isinstance(m.event, TaskReminderDue | TaskEscalated)
        and m.event.task_id == "institute_completion"
    ]
    assert chased == [
        (timedelta(weeks=5), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=6), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=7), "TaskReminderDue", "P-institute-1"),
        (timedelta(weeks=8), "TaskEscalated", "P-devlead-1"),
        (timedelta(weeks=9), "TaskEscalated", "P-ops-1"),
    ]
    escalation = next(e for e in history.events if isinstance(e, TaskEscalated))
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
    at_due = [kind for at, kind in history.timeline() if at == INSTITUTE_DUE]
    assert at_due == ["RagChanged", "TaskReminderDue"]
    assert history.state.tasks["institute_completion"].escalation_level == 2
    rows = open_task_rows(history.state, PROGRAMME_START + timedelta(weeks=11))
    assert [(r.task_id, r.overdue, r.escalation_level) for r in rows] == [
        ("institute_completion", True, 2)
    ]


def test_an_escalation_to_the_tasks_own_role_is_skipped() -> None:
    history = at_institute().wake_until(PROGRAMME_START + timedelta(weeks=16))
    escalated = [
        e
        for e in history.events
        if isinstance(e, TaskEscalated) and e.task_id == "progress_review.1"
    ]
    # Progress reviews belong to the Development Lead, so they go straight to ops (at the
    # ops step's own time: 14 days overdue).
    assert [(e.level, e.to_role, e.at - PROGRAMME_START) for e in escalated] == [
        (1, Role.OPS, timedelta(weeks=14, days=14))
    ]


def test_an_answer_stops_the_chasing() -> None:
    history = at_institute().wake_until(PROGRAMME_START + timedelta(weeks=5))
    assert history.state.tasks["institute_completion"].reminders_sent == 1
    done = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    answered_at = PROGRAMME_START + timedelta(weeks=5, days=1)
    answered = history.when(done, at=answered_at).then(
        decided("institute_completion", "P-institute-1", Outcome.APPROVE, answered_at)
    )
    later = answered.wake_until(PROGRAMME_START + timedelta(weeks=12)).recorded_since(answered)
    assert not [e for e in later if getattr(e, "task_id", None) == "institute_completion"]


# --- delegation ------------------------------------------------------------------------


def test_a_deputy_decides_within_the_delegation_window_only() -> None:
    starts, until = PROGRAMME_START + timedelta(weeks=2), PROGRAMME_START + timedelta(weeks=4)
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=starts,
        until=until,
        by="P-institute-1",
    )
    granted_at = PROGRAMME_START + timedelta(days=1)
    history = (
        at_institute()
        .when(away, at=granted_at)
        .then(
            DelegationGranted(
                delegation_id=1,
                from_person="P-institute-1",
                to_person="P-deputy-9",
                starts_at=starts,
                until=until,
                by="P-institute-1",
                granted_at=granted_at,
            )
        )
    )
    by_deputy = DecideTask(
        task_id="institute_completion", decided_by="P-deputy-9", outcome="approve"
    )
    window = (
        "P-deputy-9 may not decide task institute_completion: their "
        "delegation from P-institute-1 runs from 2027-09-20 09:00 UTC until "
        "2027-10-04 09:00 UTC"
    )
    history.when(by_deputy, at=starts - timedelta(minutes=1)).then_refused(PersonNotAllowed, window)
    history.when(by_deputy, at=until).then_refused(PersonNotAllowed, window)
    # Inside the window the deputy decides, on the assignee's behalf.
    history.when(by_deputy, at=starts).then(
        decided(
            "institute_completion",
            "P-deputy-9",
            Outcome.APPROVE,
            starts,
            on_behalf_of="P-institute-1",
        )
    )


def test_the_end_of_a_delegation_is_recorded_and_reminders_follow_the_deputy() -> None:
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
    history = at_institute().when(away, at=PROGRAMME_START).accepted()
    assert next_wakeup(history.state) == PROGRAMME_START + timedelta(weeks=5)  # 1st reminder
    after = history.wake_until(PROGRAMME_START + timedelta(weeks=7))
    events = after.recorded_since(history)
    reminders = [(e.reminder_number, e.to_person) for e in events if isinstance(e, TaskReminderDue)]
    assert reminders == [(1, "P-deputy-9"), (2, "P-deputy-9"), (3, "P-institute-1")]
    assert [e for e in events if isinstance(e, DelegationEnded)] == [
        DelegationEnded(
            delegation_id=1, from_person="P-institute-1", to_person="P-deputy-9", ended_at=until
        )
    ]
    assert after.state.delegations[0].ended
    rows = open_task_rows(after.state, PROGRAMME_START + timedelta(weeks=5))
    assert rows[0].delegate == "P-deputy-9"


def test_delegation_refusals() -> None:
    history = at_institute()
    now = PROGRAMME_START + timedelta(days=1)
    away = Delegate(
        from_person="P-institute-1",
        to_person="P-deputy-9",
        starts_at=now,
        until=now + timedelta(weeks=1),
        by="P-coach-1",
    )
    history.when(away, at=now).then_refused(
        PersonNotAllowed,
        "P-coach-1 may not delegate the tasks of P-institute-1: only they or ops may",
    )
    backwards = away.model_copy(update={"by": "P-ops-1", "until": now})
    history.when(backwards, at=now).then_refused(
        InvalidDelegation,
        "a delegation must end after it starts: 2027-09-07 09:00 UTC to 2027-09-07 09:00 UTC",
    )
    to_self = away.model_copy(update={"by": "P-ops-1", "to_person": "P-institute-1"})
    history.when(to_self, at=now).then_refused(
        InvalidDelegation, "P-institute-1 cannot delegate to themselves"
    )
    past = away.model_copy(
        update={"by": "P-ops-1", "starts_at": now - timedelta(weeks=2), "until": now}
    )
    history.when(past, at=now).then_refused(
        InvalidDelegation, "a delegation until 2027-09-07 09:00 UTC has already ended"
    )


# --- reassignment ------------------------------------------------------------------------


def test_reassignment_moves_the_task_and_who_may_decide_it() -> None:
    now = PROGRAMME_START + timedelta(days=2)
    handed = ReassignTask(
        task_id="institute_completion",
        to_person="P-institute-2",
        by="P-devlead-1",
        reason="lead on leave",
    )
    history = (
        at_institute()
        .when(handed, at=now)
        .then(
            TaskReassigned(
                task_id="institute_completion",
                from_person="P-institute-1",
                to_person="P-institute-2",
                by="P-devlead-1",
                reason="lead on leave",
                reassigned_at=now,
            )
        )
    )
    old = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    history.when(old, at=now).then_refused(
        PersonNotAllowed,
        "P-institute-1 may not decide task institute_completion: it is "
        "assigned to P-institute-2 (institute_lead)",
    )
    new = old.model_copy(update={"decided_by": "P-institute-2"})
    history.when(new, at=now).then(
        decided("institute_completion", "P-institute-2", Outcome.APPROVE, now)
    )


def test_reassignment_refusals() -> None:
    history = at_institute()
    now = PROGRAMME_START + timedelta(days=2)
    handed = ReassignTask(task_id="institute_completion", to_person="P-x", by="P-coach-1")
    history.when(handed, at=now).then_refused(
        PersonNotAllowed,
        "P-coach-1 may not reassign task institute_completion: only its "
        "assignee, ops or the people it escalates to may (P-institute-1, P-ops-1, P-devlead-1)",
    )
    same = handed.model_copy(update={"by": "P-ops-1", "to_person": "P-institute-1"})
    history.when(same, at=now).then_refused(
        InvalidReassignment, "task institute_completion is already assigned to P-institute-1"
    )
    gone = handed.model_copy(update={"by": "P-ops-1", "task_id": "pre_start_checks"})
    history.when(gone, at=now).then_refused(TaskAlreadyDecided, "task pre_start_checks")


# --- refused decisions by Signal -----------------------------------------------------------


def test_a_refused_decision_is_recorded_and_not_applied() -> None:
    history = at_institute()
    now = PROGRAMME_START + timedelta(days=3)
    wrong = DecideTask(
        task_id="institute_completion", decided_by="P-rm-1", outcome="approve", comment="done"
    )
    history.when(wrong, at=now).then_refused(PersonNotAllowed, "P-rm-1 may not decide")
    with pytest.raises(PersonNotAllowed) as refused:
        decide(history.state, wrong, now)
    events = refuse(history.state, wrong, refused.value, now)
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
    after = history.extended(events, now).state
    assert after.tasks == history.state.tasks and after.rag == history.state.rag
    assert after.version == history.state.version + 1


def test_refuse_catches_the_timetable_up_first() -> None:
    history = at_institute()
    late = INSTITUTE_DUE + timedelta(days=1)
    wrong = DecideTask(task_id="institute_completion", decided_by="P-rm-1", outcome="approve")
    with pytest.raises(PersonNotAllowed) as refused:
        decide(history.state, wrong, late)
    events = refuse(history.state, wrong, refused.value, late)
    assert isinstance(events[-1], DecisionRefused) and events[-1].at == late
    assert any(isinstance(e, RagChanged) for e in events)
    after = history.extended(events, late).state
    assert after.rag == RagStatus.AMBER
    assert due(after, late) == []


def test_granted_delegation_event_round_trips() -> None:
    state = at_institute().state
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
    state = enrolled().state  # nothing chased or delegated yet: the new fields hold their defaults
    stored = state.model_dump(mode="json")
    del stored["delegations"]
    for task in stored["tasks"].values():
        del task["reminders_sent"], task["escalation_level"]
    assert ParticipantState.model_validate(stored) == state
