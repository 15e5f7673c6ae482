"""A participant's record with every kind of personal content, appended to the real event
store as their workflow would: evidence with a file, an outplacement report, a coaching
session's notes, a concern, and a withdrawal; a course partner still on the programme;
their cohort; a mail sent to them and a console session."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from contracts.event_log import NewEvent
from domain.cohort.decide import open_cohort
from domain.documents import DocumentRef
from domain.intervention.outcomes import Withdraw, WithdrawalDestination
from domain.participant.commands import (
    AddEvidence,
    AdvanceTime,
    ApplyInterventionOutcome,
    ParticipantCommand,
    RaiseConcern,
    RecordSession,
)
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent, ReportSubmitted
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import next_wakeup
from domain.participant.work import EvidenceKind
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from scls.documents import FolderStore
from store.events import append
from store.read_models import PROJECTIONS
from tests.domain.domain_builders import (
    PROGRAMME_START,
    applied,
    cohort_of,
    enrol_command,
    realistic_answer_time,
    work_and_answer,
)

PID = "P-1"
PARTNER = "P-2"
COHORT = "C-north-2027"
EVIDENCE = "Evidence-marker: I supported Mrs Example with her medication round"
FILE_BYTES = b"%PDF-1.4 observation record of the medication round"
FILE_NAME = "observation-mrs-example.pdf"
REPORT = "What I learnt, and how it applies"
NOTES = "Notes-marker: talked about her father's illness and her confidence"
CONCERN = "Concern-marker: came to a shift unwell and upset after a family bereavement"
WITHDRAWAL = "Withdrawal-marker: caring for her father full time"
MAIL_BODY = "Dear Amy Example, your Care Certificate standard 3 is due"
PERSONAL_MARKERS = (EVIDENCE, REPORT, NOTES, CONCERN, WITHDRAWAL, FILE_NAME)

DOCUMENT = DocumentRef(
    sha256=hashlib.sha256(FILE_BYTES).hexdigest(),
    name=FILE_NAME,
    content_type="application/pdf",
    size=len(FILE_BYTES),
)


class _Recorder:
    def __init__(self, pool: asyncpg.Pool, participant_id: str) -> None:
        self.pool = pool
        self.stream = f"participant-{participant_id}"
        self.version = 0
        self.state: ParticipantState = initial_state(participant_id)

    async def record(self, command: ParticipantCommand, now: datetime) -> list[ParticipantEvent]:
        events = decide(self.state, command, now)
        self.state = applied(self.state, events)
        await append(
            self.pool, PROJECTIONS, self.stream, self.version, [NewEvent.of(e) for e in events]
        )
        self.version += len(events)
        return events


async def record_a_leaver(pool: asyncpg.Pool, documents: Path) -> ParticipantState:
    """P-1 on programme 2026.1 up to their first outplacement report, then a concern and
    their withdrawal; P-2 enrolled and still on the programme."""
    await FolderStore(documents).put(DOCUMENT, FILE_BYTES)
    enrolled_at = PROGRAMME_START - timedelta(weeks=6)
    partner = _Recorder(pool, PARTNER)
    await partner.record(enrol_command(PARTNER, "2026.1"), enrolled_at)
    leaver = _Recorder(pool, PID)
    await leaver.record(enrol_command(PID, "2026.1"), enrolled_at)
    now = enrolled_at
    evidence_added = session_recorded = report_in = False
    while not report_in:
        state = leaver.state
        if state.phase == Phase.CARE_PLACEMENT and not evidence_added:
            evidence = AddEvidence(
                by=PID,
                standard=1,
                kind=EvidenceKind.OBSERVATION,
                text=EVIDENCE,
                documents=(DOCUMENT,),
            )
            await leaver.record(evidence, now)
            coaching = RecordSession(
                by="P-coach-1",
                kind=SessionKind.COACHING,
                held_on=now.date(),
                minutes=60,
                themes=(SessionTheme.PERSONAL_QUALITIES,),
                notes=NOTES,
            )
            await leaver.record(coaching, now)
            evidence_added = session_recorded = True
        answers = sorted(state.open_tasks, key=lambda t: (realistic_answer_time(t), t.task_id))
        wakeup = next_wakeup(state)
        assert wakeup is not None
        if answers and realistic_answer_time(answers[0]) <= wakeup:
            now = max(now, realistic_answer_time(answers[0]))
            commands = work_and_answer(state, answers[0])
        else:
            now, commands = wakeup, [AdvanceTime()]
        for command in commands:
            events = await leaver.record(command, now)
            report_in = report_in or any(isinstance(e, ReportSubmitted) for e in events)
    assert session_recorded
    now += timedelta(days=1)
    await leaver.record(RaiseConcern(by="P-rm-1", reason=CONCERN), now)
    case = leaver.state.open_case
    assert case is not None
    leaving = Withdraw(reason=WITHDRAWAL, destination=WithdrawalDestination.LEFT_SECTOR)
    await leaver.record(
        ApplyInterventionOutcome(
            case_number=case.number,
            outcome=leaving,
            decided_by="P-devlead-1",
            approved_by="P-ops-1",
        ),
        now + timedelta(days=3),
    )
    await _record_cohort(pool)
    await _record_directory_mail_and_sign_in(pool)
    return leaver.state


async def _record_cohort(pool: asyncpg.Pool) -> None:
    definition = cohort_of(
        (PID, PARTNER),
        cohort_id=COHORT,
        hub="North West",
        start=PROGRAMME_START,
        programme_version="2026.1",
    )
    opened = open_cohort(definition, PROGRAMME_START - timedelta(weeks=6))
    await append(pool, PROJECTIONS, f"cohort-{COHORT}", 0, [NewEvent.of(e) for e in opened])


async def _record_directory_mail_and_sign_in(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO people (person_id, display_name, email, roles) VALUES ($1, $2, $3, $4)",
        [
            (PID, "Amy Example", "amy@example.org", ["participant"]),
            (PARTNER, "Ben Partner", "ben@example.org", ["participant"]),
            ("P-ops-1", "Olu Ops", "ops@example.org", ["ops"]),
        ],
    )
    await pool.execute(
        "INSERT INTO outbox (idempotency_key, recipient, email, subject, body, workflow_id, "
        "sent_at) VALUES ('mail-1', $1, 'amy@example.org', 'Standard 3 is due', $2, $3, now())",
        PID,
        MAIL_BODY,
        f"participant-{PID}",
    )
    await pool.execute(
        "INSERT INTO web_sessions (token_hash, person_id, expires_at) "
        "VALUES ('\\x01'::bytea, $1, now() + interval '12 hours')",
        PID,
    )
