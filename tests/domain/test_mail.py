"""Which of a participant's events calls for a mail, to whom, saying what."""

from datetime import timedelta

from domain_builders import PROGRAMME_START

from domain.mail import NotificationKind
from domain.participant.events import (
    DelegationEnded,
    RagChanged,
    TaskEscalated,
    TaskReassigned,
    TaskReminderDue,
)
from domain.participant.mail import mail_for
from domain.programme.tasks import TaskKind
from domain.rag import RagStatus
from domain.roles import Role

AT = PROGRAMME_START
DUE = AT + timedelta(days=3)


def test_each_mailed_event_goes_to_the_person_who_must_act() -> None:
    reminder = TaskReminderDue(
        task_id="institute_completion",
        reminder_number=2,
        to_person="P-deputy-1",
        kind=TaskKind.INSTITUTE_COMPLETION,
        title="Summer Institute completion",
        due_at=DUE,
        at=AT,
    )
    escalated = TaskEscalated(
        task_id="institute_completion",
        level=1,
        to_role=Role.OPS,
        to_person="P-ops-1",
        assignee="P-institute-1",
        kind=TaskKind.INSTITUTE_COMPLETION,
        title="Summer Institute completion",
        due_at=DUE,
        at=AT,
    )
    reassigned = TaskReassigned(
        task_id="institute_completion",
        from_person="P-institute-1",
        to_person="P-institute-2",
        by="P-ops-1",
        reassigned_at=AT,
    )
    ended = DelegationEnded(
        delegation_id=1, from_person="P-institute-1", to_person="P-deputy-1", ended_at=AT
    )
    mails = [mail_for(event) for event in (reminder, escalated, reassigned, ended)]
    assert [(m.kind, m.recipient, m.assignee) for m in mails if m is not None] == [
        (NotificationKind.TASK_REMINDER, "P-deputy-1", None),
        (NotificationKind.TASK_ESCALATED, "P-ops-1", "P-institute-1"),
        (NotificationKind.TASK_REASSIGNED, "P-institute-2", "P-institute-1"),
        (NotificationKind.DELEGATION_ENDED, "P-deputy-1", "P-institute-1"),
    ]
    assert mails[0] is not None and (mails[0].reminder_number, mails[0].due_at) == (2, DUE)
    assert mails[1] is not None and mails[1].escalation_level == 1
    assert mail_for(RagChanged(status=RagStatus.AMBER, reason="late", changed_at=AT)) is None
