"""A participant driven through the whole programme with `decide` and `due` alone, every
sign-off answered at a realistic point, and the refusals people will see."""

from datetime import datetime, timedelta

import pytest
from domain_builders import (
    PROGRAMME_START,
    SUPPORT,
    applied,
    enrol_command,
    run_programme,
    run_until,
)
from given import given

from domain.errors import AlreadyEnrolled, NotEnrolled, NotUtc, ParticipantNotActive
from domain.participant.commands import AdvanceTime, DecideTask
from domain.participant.decide import decide
from domain.participant.events import (
    ParticipantEvent,
    PhaseStarted,
    ProgrammeCompleted,
    RagChanged,
    TaskCancelled,
)
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import Outcome, TaskStatus
from domain.rag import RagStatus

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=6)


def enrolled() -> tuple[ParticipantState, list[ParticipantEvent]]:
    events = decide(initial_state("P-1"), enrol_command(), ENROLLED_AT)
    return applied(initial_state("P-1"), events), events


def test_a_participant_goes_through_every_phase_in_order_and_completes_on_time() -> None:
    state, enrolment = enrolled()
    state, rest = run_programme(state, ENROLLED_AT)
    events = [*enrolment, *rest]

    starts = [(e.phase, e.started_at) for e in events if isinstance(e, PhaseStarted)]
    weeks = [0, 0, 7, 20, 52, 96]
    assert starts == [
        (Phase.ENROLMENT, ENROLLED_AT),
        *(
            (phase, PROGRAMME_START + timedelta(weeks=w))
            for phase, w in zip(list(Phase)[1:], weeks[1:], strict=True)
        ),
    ]
    completions = [e for e in events if isinstance(e, ProgrammeCompleted)]
    assert completions == [ProgrammeCompleted(completed_at=PROGRAMME_START + timedelta(weeks=104))]
    assert state.completed_at == state.expected_end
    assert [o.status for o in state.outplacements.values()] == ["ended"] * 3
    assert not [e for e in events if isinstance(e, RagChanged)]  # nothing was ever late
    assert {t.key for t in state.tasks.values() if t.key.startswith("progress_review")} == {
        f"progress_review.{n}" for n in range(1, 9)
    }
    assert fold(events, "P-1") == state
    assert next_wakeup(state) is None


def test_the_phase_waits_for_its_earliest_end_and_then_for_late_sign_offs() -> None:
    state, _ = enrolled()
    approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome=Outcome.APPROVE)
    state = applied(state, decide(state, approve, ENROLLED_AT + timedelta(days=1)))
    assert state.phase == Phase.ENROLMENT and state.sign_offs_needed == ()
    assert next_wakeup(state) == PROGRAMME_START

    state = applied(state, due(state, PROGRAMME_START + timedelta(weeks=8)))
    # The Institute's sign-off is still open a week after its earliest end, so the phase
    # waits, and the participant is amber from the day the sign-off fell due.
    assert state.phase == Phase.SUMMER_INSTITUTE
    assert state.rag == RagStatus.AMBER
    assert state.rag_history[-1].reason == (
        "task institute_completion (Summer Institute completed) overdue since 2027-10-25"
    )
    late = PROGRAMME_START + timedelta(weeks=8, days=2)
    done = DecideTask(task_id="institute_completion", decided_by="P-institute-1", outcome="approve")
    state = applied(state, decide(state, done, late))
    assert state.phase == Phase.CARE_PLACEMENT
    assert state.phase_started_at == late
    assert state.phase_earliest_end == late + timedelta(weeks=13)
    assert state.rag == RagStatus.GREEN


def test_send_back_opens_a_new_attempt_with_time_to_resubmit() -> None:
    state, _ = enrolled()
    now = ENROLLED_AT + timedelta(days=3)
    send_back = DecideTask(
        task_id="pre_start_checks",
        decided_by="P-ops-1",
        outcome=Outcome.SEND_BACK,
        comment="DBS certificate not yet seen",
    )
    state = applied(state, decide(state, send_back, now))
    assert state.tasks["pre_start_checks"].status == TaskStatus.SENT_BACK
    retry = state.tasks["pre_start_checks~2"]
    assert (retry.status, retry.assignee, retry.due_at) == ("open", "P-ops-1", PROGRAMME_START)
    assert state.sign_offs_needed == ("pre_start_checks",)

    reject = send_back.model_copy(update={"task_id": "pre_start_checks~2", "outcome": "reject"})
    late = PROGRAMME_START + timedelta(days=1)
    state = applied(state, decide(state, reject, late))
    assert state.tasks["pre_start_checks~3"].due_at == late + timedelta(weeks=2)


# --- refusals, word for word ---------------------------------------------------------


def refusal(state: ParticipantState, command: DecideTask, now: datetime) -> str:
    with pytest.raises(Exception) as refused:
        decide(state, command, now)
    return f"{type(refused.value).__name__}: {refused.value}"


def test_refusal_messages() -> None:
    state, _ = enrolled()
    now = ENROLLED_AT + timedelta(days=1)
    approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")

    assert (
        refusal(initial_state("P-1"), approve, now)
        == "NotEnrolled: participant P-1 is not enrolled"
    )
    assert refusal(state, approve.model_copy(update={"task_id": "care_certificate.3"}), now) == (
        "UnknownTask: participant P-1 has no task care_certificate.3"
    )
    assert refusal(state, approve.model_copy(update={"decided_by": "P-coach-1"}), now) == (
        "PersonNotAllowed: P-coach-1 may not decide task pre_start_checks: it is assigned to "
        "P-ops-1 (ops)"
    )
    assert refusal(
        state, approve.model_copy(update={"outcome": "reject", "comment": " "}), now
    ) == ("CommentRequired: a comment is required to reject task pre_start_checks")
    assert refusal(state, approve.model_copy(update={"outcome": "send_back"}), now) == (
        "CommentRequired: a comment is required to send back task pre_start_checks"
    )
    decided = applied(state, decide(state, approve, now))
    assert refusal(decided, approve, now + timedelta(days=1)) == (
        "TaskAlreadyDecided: task pre_start_checks was already decided "
        "(approved by P-ops-1 on 2027-07-27)"
    )


def test_enrolment_refusals() -> None:
    state, _ = enrolled()
    with pytest.raises(
        AlreadyEnrolled, match=r"^participant P-1 is already enrolled in cohort C-north-2027$"
    ):
        decide(state, enrol_command(), ENROLLED_AT)
    with pytest.raises(NotUtc):
        decide(state, AdvanceTime(), datetime(2027, 9, 1))
    with pytest.raises(NotEnrolled):
        initial_state("P-1").enrolled()


def test_nothing_can_be_decided_after_completion() -> None:
    state, _ = enrolled()
    state, _ = run_programme(state, ENROLLED_AT)
    state = applied(state, due(state, PROGRAMME_START + timedelta(weeks=104)))
    command = DecideTask(task_id="fit_and_proper", decided_by="P-ops-1", outcome="approve")
    with pytest.raises(ParticipantNotActive) as refused:
        decide(state, command, PROGRAMME_START + timedelta(weeks=105))
    assert str(refused.value) == (
        "participant P-1 has completed the programme on 2029-09-03; "
        "task fit_and_proper can no longer be decided"
    )


def test_sign_off_tasks_go_to_the_people_in_the_support_arrangements() -> None:
    state, _ = enrolled()
    assert state.tasks["pre_start_checks"].assignee == SUPPORT.ops_lead
    approve = DecideTask(task_id="pre_start_checks", decided_by="P-ops-1", outcome="approve")
    state = applied(state, decide(state, approve, ENROLLED_AT))
    state = applied(state, due(state, PROGRAMME_START))
    assert state.tasks["institute_completion"].assignee == SUPPORT.institute_lead


def test_tasks_still_open_when_the_programme_ends_close_with_it() -> None:
    # Readiness waits for the Registered Manager's signature long enough for the next
    # progress review to open; once it is given, the programme ends and the review, which
    # nobody may answer any more, closes with it instead of staying in an inbox for ever.
    enrolment = decide(initial_state("P-1"), enrol_command(programme_version="2024.1"), ENROLLED_AT)
    enrolled = given(enrolment)
    _, recorded = run_until(enrolled.state, Phase.RM_READINESS)
    history = given([*enrolled.events, *recorded])
    at = history.state.as_of
    assert at is not None
    for key in ("fit_and_proper", "readiness.development_lead"):
        task = history.state.tasks[key]
        history = history.when(
            DecideTask(task_id=key, decided_by=task.assignee, outcome=Outcome.APPROVE), at=at
        ).accepted()
    review_due = history.state.next_progress_review_number
    history = history.wake_until(at + timedelta(weeks=14))
    review = next(t for t in history.state.open_tasks if t.key == f"progress_review.{review_due}")
    signer = history.state.tasks["readiness.registered_manager"].assignee
    signed_at = at + timedelta(weeks=14)
    ended = history.when(
        DecideTask(
            task_id="readiness.registered_manager", decided_by=signer, outcome=Outcome.READY
        ),
        at=signed_at,
    ).then_includes(
        TaskCancelled(
            task_id=review.task_id,
            reason="closed unanswered: the programme has ended",
            cancelled_at=signed_at,
        ),
        ProgrammeCompleted(completed_at=signed_at),
    )
    assert ended.state.status == ParticipantStatus.COMPLETED
    assert ended.state.open_tasks == ()
