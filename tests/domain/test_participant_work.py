"""The work behind the sign-offs (programme 2026.1): evidence for each Care Certificate
standard, outplacement reports and tripartite progress reviews, as given/when/then: given
a participant's record, when someone acts, then these events or this refusal."""

from datetime import date, datetime, timedelta

import pytest
from domain_builders import PROGRAMME_START, SUPPORT, applied, enrol_command

from domain.documents import DocumentRef
from domain.errors import AlreadySigned, DomainError
from domain.intervention.outcomes import ConcernKind
from domain.participant.commands import (
    AddEvidence,
    AdvanceTime,
    DecideTask,
    DraftReview,
    ParticipantCommand,
    SendBackReview,
    SignReview,
    SubmitEvidence,
    SubmitReport,
)
from domain.participant.decide import decide
from domain.participant.events import (
    ConcernRaised,
    EvidenceAdded,
    EvidenceSubmitted,
    ParticipantEvent,
    ReportSubmitted,
    ReviewDrafted,
    ReviewSentBack,
    ReviewSigned,
    TaskDecided,
    TaskOpened,
)
from domain.participant.my_programme import my_programme
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import next_wakeup
from domain.participant.work import AgreedAction, EvidenceKind, Signatory
from domain.programme.phases import Phase
from domain.programme.tasks import Outcome, TaskKind, TaskStatus
from domain.rehearsal.people import work_and_answer
from domain.roles import Role

PID = "P-1"
ASSESSOR, MENTOR, LEAD, RM = (
    SUPPORT.assessor,
    SUPPORT.employer_mentor,
    SUPPORT.development_lead,
    SUPPORT.registered_manager,
)
SCAN = DocumentRef(sha256="a" * 64, name="workbook.pdf", content_type="application/pdf", size=1200)


def reach(phase: Phase, version: str = "2026.1") -> tuple[ParticipantState, datetime]:
    """Everything answered promptly, the participant's work handed in, until `phase`."""
    now = PROGRAMME_START - timedelta(weeks=6)
    state = initial_state(PID)
    state = applied(state, decide(state, enrol_command(programme_version=version), now))
    while state.phase != phase:
        wakeup = next_wakeup(state)
        assert wakeup is not None
        ready = [t for t in state.open_tasks if t.opened_at <= wakeup]
        commands = work_and_answer(state, ready[0]) if ready else [AdvanceTime()]
        now = max(now, ready[0].opened_at) if ready else wakeup
        for command in commands:
            state = applied(state, decide(state, command, now))
    return state, now


def when(
    state: ParticipantState, command: ParticipantCommand, now: datetime
) -> tuple[ParticipantState, list[ParticipantEvent]]:
    events = decide(state, command, now)
    return applied(state, events), events


def refusal(state: ParticipantState, command: ParticipantCommand, now: datetime) -> str:
    with pytest.raises(DomainError) as refused:
        decide(state, command, now)
    return f"{type(refused.value).__name__}: {refused.value}"


def of_type(events: list[ParticipantEvent], kind: type) -> list:  # type: ignore[type-arg]
    return [event for event in events if isinstance(event, kind)]


# --- evidence for a Care Certificate standard ------------------------------------------------


def test_the_assessor_answers_a_standard_only_on_evidence_handed_in() -> None:
    # Given a participant starting their care placement
    state, now = reach(Phase.CARE_PLACEMENT)
    assert state.tasks["care_certificate.3"].assignee == ASSESSOR
    # When the assessor approves standard 3 with nothing handed in: refused
    approve = DecideTask(task_id="care_certificate.3", decided_by=ASSESSOR, outcome="approve")
    assert refusal(state, approve, now) == (
        "InvalidWork: participant P-1 has not handed in work for Care Certificate standard 3: "
        "Duty of care yet: there is nothing to answer"
    )
    # When the participant adds knowledge evidence with a file and an observation record
    knowledge = AddEvidence(
        by=PID, standard=3, kind=EvidenceKind.KNOWLEDGE, text="Workbook", documents=(SCAN,)
    )
    state, events = when(state, knowledge, now)
    assert [(e.item, e.kind, e.documents) for e in of_type(events, EvidenceAdded)] == [
        (1, EvidenceKind.KNOWLEDGE, (SCAN,))
    ]
    observed = AddEvidence(by=PID, standard=3, kind="observation", text="Observed by the RM")
    state, _ = when(state, observed, now)
    # and hands it in: version 1 with both items, for the assessor's open task
    state, events = when(state, SubmitEvidence(by=PID, standard=3), now)
    assert [(e.version, e.items) for e in of_type(events, EvidenceSubmitted)] == [(1, (1, 2))]
    assert of_type(events, TaskOpened) == []
    # Until then her standards wait on her, not on the assessor (My programme says so);
    # handed in, standard 3 waits on the assessor
    view = my_programme(state, None, now)
    assert "care_certificate.4" in {t.task_id for t in view.due_from_you}
    assert {t.task_id for t in view.waiting_on} >= {"care_certificate.3", "placement_review"}
    assert "care_certificate.3" not in {t.task_id for t in view.due_from_you}
    # Then the assessor may answer it
    state, events = when(state, approve, now + timedelta(days=1))
    assert state.tasks["care_certificate.3"].status == TaskStatus.APPROVED
    assert "care_certificate.3" in state.sign_offs_done


def test_a_standard_sent_back_goes_to_the_participant_and_their_next_version_reopens_it() -> None:
    state, now = reach(Phase.CARE_PLACEMENT)
    for command in (
        AddEvidence(by=PID, standard=5, kind="knowledge", text="My answers"),
        SubmitEvidence(by=PID, standard=5),
    ):
        state, _ = when(state, command, now)
    # When the assessor sends it back with a reason
    back = DecideTask(
        task_id="care_certificate.5",
        decided_by=ASSESSOR,
        outcome=Outcome.SEND_BACK,
        comment="No observation of person-centred care",
    )
    state, events = when(state, back, now + timedelta(days=2))
    # Then the participant has a task to hand it in again, and the assessor none
    [opened] = of_type(events, TaskOpened)
    assert (opened.task_id, opened.kind, opened.assignee, opened.role) == (
        "care_certificate.5.work",
        TaskKind.CARE_CERTIFICATE_EVIDENCE,
        PID,
        Role.PARTICIPANT,
    )
    assert opened.due_at == now + timedelta(days=2, weeks=2)
    assert not any(t.key == "care_certificate.5" for t in state.open_tasks)
    # Handing in the same evidence again is refused: something must answer the reason
    assert refusal(state, SubmitEvidence(by=PID, standard=5), now) == (
        "InvalidWork: add evidence that answers why standard 5 was sent back before handing "
        "it in again"
    )
    # Their own task is done by handing in, not by a decision
    done = DecideTask(task_id="care_certificate.5.work", decided_by=PID, outcome="submitted")
    assert refusal(state, done, now).startswith(
        "InvalidWork: task care_certificate.5.work is done by handing the work in"
    )
    # When they add an observation and hand it in again
    later = now + timedelta(days=5)
    state, _ = when(state, AddEvidence(by=PID, standard=5, kind="observation", text="Obs"), later)
    state, events = when(state, SubmitEvidence(by=PID, standard=5), later)
    # Then version 2 holds both items, their task is done and the assessor is asked again
    assert [(e.version, e.items) for e in of_type(events, EvidenceSubmitted)] == [(2, (1, 2))]
    [submitted] = of_type(events, TaskDecided)
    assert (submitted.task_id, submitted.outcome) == ("care_certificate.5.work", "submitted")
    [again] = of_type(events, TaskOpened)
    assert (again.task_id, again.assignee) == ("care_certificate.5~2", ASSESSOR)
    # Every version is kept
    record = state.work["care_certificate.5"]
    assert [v.items for v in record.versions] == [(1,), (1, 2)]
    assert state.tasks["care_certificate.5"].decision.comment == (  # type: ignore[union-attr]
        "No observation of person-centred care"
    )


def test_only_the_participant_adds_evidence_and_not_while_the_assessor_has_it() -> None:
    state, now = reach(Phase.CARE_PLACEMENT)
    by_rm = AddEvidence(by=RM, standard=1, kind="observation", text="Saw it")
    assert refusal(state, by_rm, now) == (
        "PersonNotAllowed: P-rm-1 may not add evidence for participant P-1: only the "
        "participant hands in their own work"
    )
    assert refusal(state, SubmitEvidence(by=PID, standard=1), now) == (
        "InvalidWork: add evidence for standard 1 before handing it in"
    )
    state, _ = when(state, AddEvidence(by=PID, standard=1, kind="knowledge", text="x"), now)
    state, _ = when(state, SubmitEvidence(by=PID, standard=1), now)
    more = AddEvidence(by=PID, standard=1, kind="knowledge", text="more")
    assert refusal(state, more, now) == (
        "InvalidWork: your evidence for standard 1 (version 1) is with P-assessor-1 to "
        "answer: wait for their answer"
    )
    assert refusal(state, AddEvidence(by=PID, standard=17, kind="knowledge", text="x"), now) == (
        "InvalidWork: there is no Care Certificate standard 17 (1 to 16)"
    )


def test_earlier_programmes_keep_their_sign_offs_without_evidence() -> None:
    # Given a 2025.1 participant in their care placement
    state, now = reach(Phase.CARE_PLACEMENT, version="2025.1")
    # Then evidence is refused, and a standard sent back is asked of the assessor again
    evidence = AddEvidence(by=PID, standard=1, kind="knowledge", text="x")
    assert refusal(state, evidence, now) == (
        "InvalidWork: programme 2025.1 signs Care Certificate standards off without "
        "evidence on record"
    )
    back = DecideTask(
        task_id="care_certificate.1", decided_by=ASSESSOR, outcome="send_back", comment="more"
    )
    _, events = when(state, back, now)
    [again] = of_type(events, TaskOpened)
    assert (again.task_id, again.assignee) == ("care_certificate.1~2", ASSESSOR)


# --- outplacement reports ---------------------------------------------------------------------


def after_outplacement_1() -> tuple[ParticipantState, datetime]:
    state, now = reach(Phase.FIRST_LINE_MANAGEMENT)
    while state.outplacements[1].status.value != "ended":
        wakeup = next_wakeup(state)
        assert wakeup is not None
        now = wakeup
        state, _ = when(state, AdvanceTime(), now)
    return state, now


def test_the_participant_writes_the_report_and_the_mentor_sends_it_back_once() -> None:
    # Given outplacement 1 has just ended
    state, now = after_outplacement_1()
    writing = state.tasks["outplacement_report.1.work"]
    assert (writing.assignee, writing.kind, writing.due_at) == (
        PID,
        TaskKind.OUTPLACEMENT_REPORT_WRITING,
        now + timedelta(weeks=2),
    )
    assert "outplacement_report.1" not in state.tasks  # nothing for the mentor yet
    # When the participant hands in their report
    report = SubmitReport(by=PID, outplacement=1, text="What I learnt", documents=(SCAN,))
    state, events = when(state, report, now + timedelta(days=3))
    # Then their task is done and the mentor's review opens
    assert [(e.version, e.documents) for e in of_type(events, ReportSubmitted)] == [(1, (SCAN,))]
    [review] = of_type(events, TaskOpened)
    assert (review.task_id, review.assignee, review.role) == (
        "outplacement_report.1",
        MENTOR,
        Role.EMPLOYER_MENTOR,
    )
    assert refusal(state, report, now) == (
        "InvalidWork: your report on outplacement 1 (version 1) is with P-mentor-1 to review"
    )
    # When the mentor sends it back, then the participant writes it again
    back = DecideTask(
        task_id="outplacement_report.1",
        decided_by=MENTOR,
        outcome="send_back",
        comment="Say how it applies at home",
    )
    state, events = when(state, back, now + timedelta(days=4))
    assert [e.task_id for e in of_type(events, TaskOpened)] == ["outplacement_report.1.work~2"]
    corrected = SubmitReport(by=PID, outplacement=1, text="What I learnt, and at home")
    state, events = when(state, corrected, now + timedelta(days=6))
    assert [e.task_id for e in of_type(events, TaskOpened)] == ["outplacement_report.1~2"]
    approve = DecideTask(task_id="outplacement_report.1~2", decided_by=MENTOR, outcome="approve")
    state, _ = when(state, approve, now + timedelta(days=7))
    assert "outplacement_report.1" in state.sign_offs_done
    assert [v.text for v in state.work["outplacement_report.1"].versions] == [
        "What I learnt",
        "What I learnt, and at home",
    ]


def test_a_report_not_written_two_weeks_after_it_was_due_raises_a_concern() -> None:
    state, _ = after_outplacement_1()
    due = state.tasks["outplacement_report.1.work"].due_at
    state, events = when(state, AdvanceTime(), due + timedelta(weeks=2))
    [concern] = of_type(events, ConcernRaised)
    assert concern.kind == ConcernKind.OUTPLACEMENT_REPORT_OVERDUE


# --- tripartite progress reviews --------------------------------------------------------------


def review_1_open() -> tuple[ParticipantState, datetime]:
    state, now = reach(Phase.CARE_PLACEMENT)
    while "progress_review.1" not in state.tasks:
        wakeup = next_wakeup(state)
        assert wakeup is not None
        now = wakeup
        state, _ = when(state, AdvanceTime(), now)
    return state, now


def form(review: int = 1, **changes: object) -> DraftReview:
    fields: dict[str, object] = {
        "by": LEAD,
        "review": review,
        "progress": "Settled in; eight standards signed",
        "actions": (AgreedAction(what="Shadow the night shift", owner=PID, due=date(2028, 3, 1)),),
        "concerns": "",
        "wellbeing": "Tired after nights, otherwise well",
    }
    return DraftReview.model_validate({**fields, **changes})


def test_a_review_is_filled_in_by_the_lead_and_closed_by_three_signatures() -> None:
    state, now = review_1_open()
    # The lead does not simply approve it
    approve = DecideTask(task_id="progress_review.1", decided_by=LEAD, outcome="on_track")
    assert refusal(state, approve, now).startswith("InvalidReview: Progress review 1 (participant")
    # Nobody signs before there is a form
    assert refusal(state, SignReview(by=PID, review=1), now) == (
        "InvalidReview: progress review 1 has no form yet: the Development Lead fills it in first"
    )
    # When the lead fills it in
    state, events = when(state, form(), now)
    [drafted] = of_type(events, ReviewDrafted)
    assert drafted.version == 1
    assert [a.number for a in drafted.actions] == ["1.1"]
    assert drafted.management.target == 0.0  # no target in the care placement
    # and the participant signs, twice
    state, events = when(state, SignReview(by=PID, review=1), now)
    assert [(e.signatory, e.role) for e in of_type(events, ReviewSigned)] == [
        (Signatory.PARTICIPANT, Role.PARTICIPANT)
    ]
    with pytest.raises(AlreadySigned) as twice:
        decide(state, SignReview(by=PID, review=1), now)
    assert str(twice.value) == (
        f"P-1 signed progress review 1 (version 1) already, on {now.date().isoformat()}"
    )
    # The employer signs once, as the Registered Manager or the mentor
    state, _ = when(state, SignReview(by=RM, review=1), now)
    assert refusal(state, SignReview(by=MENTOR, review=1), now).startswith(
        "AlreadySigned: the employer signed progress review 1 (version 1) already: P-rm-1 as "
        "registered manager"
    )
    assert refusal(state, SignReview(by="P-coach-1", review=1), now).startswith(
        "PersonNotAllowed: P-coach-1 may not sign progress review 1"
    )
    # Then the lead's signature, the last, closes the review
    state, events = when(state, SignReview(by=LEAD, review=1), now)
    [closed] = of_type(events, TaskDecided)
    assert (closed.task_id, closed.outcome, closed.decided_by) == (
        "progress_review.1",
        Outcome.ON_TRACK,
        LEAD,
    )
    assert state.reviews[1].fully_signed
    assert state.open_actions(2)[0].what == "Shadow the night shift"


def test_a_review_sent_back_loses_its_signatures_and_is_filled_in_again() -> None:
    state, now = review_1_open()
    state, _ = when(state, form(), now)
    state, _ = when(state, SignReview(by=LEAD, review=1), now)
    # A signed form is not changed under its signatures
    assert refusal(state, form(progress="changed"), now).startswith(
        "InvalidReview: progress review 1 is signed by P-devlead-1 (development lead)"
    )
    # When the participant sends it back
    back = SendBackReview(by=PID, review=1, reason="The action date is too soon")
    state, events = when(state, back, now)
    assert [e.version for e in of_type(events, ReviewSentBack)] == [1]
    assert refusal(state, SignReview(by=RM, review=1), now).startswith(
        "InvalidReview: progress review 1 was sent back by P-1 (The action date is too soon)"
    )
    # Then the lead fills it in again, with concerns this time, and all three sign anew
    state, _ = when(state, form(concerns="Nights are hard going"), now)
    for person in (PID, RM, LEAD):
        state, events = when(state, SignReview(by=person, review=1), now)
    [closed] = of_type(events, TaskDecided)
    assert (closed.outcome, closed.comment) == (Outcome.CONCERNS, "Nights are hard going")
    assert [len(r) for r in (state.reviews[1].forms, state.reviews[1].signatures)] == [2, 4]


def test_actions_agreed_are_shown_at_the_next_review_and_marked_done_there() -> None:
    state, now = review_1_open()
    for command in (form(), *(SignReview(by=p, review=1) for p in (PID, RM, LEAD))):
        state, _ = when(state, command, now)
    while "progress_review.2" not in state.tasks:
        wakeup = next_wakeup(state)
        assert wakeup is not None
        ready = [t for t in state.open_tasks if t.opened_at <= wakeup]
        commands = work_and_answer(state, ready[0]) if ready else [AdvanceTime()]
        now = max(now, ready[0].opened_at) if ready else wakeup
        for command in commands:
            state = applied(state, decide(state, command, now))
    assert [a.number for a in state.open_actions(2)] == ["1.1"]
    assert refusal(state, form(review=2, actions_completed=("1.7",)), now) == (
        "InvalidReview: no open action 1.7 from an earlier review; open actions: 1.1"
    )
    state, _ = when(state, form(review=2, actions=(), actions_completed=("1.1",)), now)
    for person in (PID, RM, LEAD):
        state, _ = when(state, SignReview(by=person, review=2), now)
    assert state.open_actions(3) == ()


def test_a_review_not_signed_by_all_three_two_weeks_after_it_was_due_raises_a_concern() -> None:
    state, now = review_1_open()
    state, _ = when(state, form(), now)
    state, _ = when(state, SignReview(by=LEAD, review=1), now)
    due = state.tasks["progress_review.1"].due_at
    state, events = when(state, AdvanceTime(), due + timedelta(weeks=2))
    [concern] = of_type(events, ConcernRaised)
    assert concern.kind == ConcernKind.PROGRESS_REVIEW_MISSED
    assert concern.reason == (
        "progress review 1 not signed by all three two weeks after it was due: waiting for "
        "the participant and the employer"
    )
