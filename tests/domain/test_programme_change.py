"""Ops move a running participant onto another programme version: allowed while the phase
they are in is the same in both, refused otherwise, and the phases ahead follow the new
version (the 2025 Care Certificate's sixteen standards, say)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import (
    ParticipantNotActive,
    PersonNotAllowed,
    ProgrammeChangeRefused,
    UnknownProgrammeVersion,
)
from domain.participant.commands import ChangeProgramme
from domain.participant.decide import decide
from domain.participant.event_summary import summarise
from domain.participant.events import ProgrammeVersionChanged
from domain.participant.state import ParticipantState, initial_state
from domain.programme.phases import ParticipantStatus, Phase
from domain.programme.tasks import TaskKind
from tests.domain.domain_builders import (
    PROGRAMME_START,
    applied,
    enrol_command,
    run_programme,
    until_phase,
)

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=4)
TO_2025 = ChangeProgramme(to_version="2025.1", by="P-ops-1", reason="2025 standards")


def enrolled_on_2024() -> ParticipantState:
    state = initial_state("P-1")
    return applied(state, decide(state, enrol_command(programme_version="2024.1"), ENROLLED_AT))


def care_certificate_standards(state: ParticipantState) -> int:
    return sum(1 for t in state.tasks.values() if t.kind == TaskKind.CARE_CERTIFICATE_STANDARD)


def test_before_the_care_placement_the_phases_ahead_follow_the_new_version() -> None:
    state = enrolled_on_2024()
    events = decide(state, TO_2025, ENROLLED_AT + timedelta(days=1))
    assert [type(e) for e in events] == [ProgrammeVersionChanged]
    (changed,) = events
    assert (changed.from_version, changed.to_version, changed.by) == ("2024.1", "2025.1", "P-ops-1")
    assert (
        summarise(changed) == "programme changed from 2024.1 to 2025.1 by P-ops-1: 2025 standards"
    )
    state = applied(state, events)
    assert state.programme_version == "2025.1" and state.enrolled().programme_version == "2024.1"

    # Its care placement asks for the 2025 Care Certificate's sixteen standards.
    state = until_phase(state, Phase.CARE_PLACEMENT)
    assert care_certificate_standards(state) == 16
    finished, _ = run_programme(state, state.as_of or PROGRAMME_START)
    assert finished.status == ParticipantStatus.COMPLETED


def test_the_unchanged_participant_keeps_the_2015_standards() -> None:
    state = until_phase(enrolled_on_2024(), Phase.CARE_PLACEMENT)
    assert care_certificate_standards(state) == 15


def test_in_the_care_placement_the_change_waits_for_the_end_of_the_phase() -> None:
    state = until_phase(enrolled_on_2024(), Phase.CARE_PLACEMENT)
    with pytest.raises(ProgrammeChangeRefused) as refused:
        decide(state, TO_2025, state.as_of or PROGRAMME_START)
    assert str(refused.value) == (
        "participant P-1 is in the Hands-on care placement phase, whose sign-offs differ "
        "between programmes 2024.1 and 2025.1: change the programme once that phase is over"
    )
    # Past it, the phases ahead are the same in both: the change is allowed (and recorded).
    state = until_phase(state, Phase.FIRST_LINE_MANAGEMENT)
    assert [type(e) for e in decide(state, TO_2025, state.as_of or PROGRAMME_START)][-1:] == [
        ProgrammeVersionChanged
    ]


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (
            TO_2025.model_copy(update={"by": "P-rm-1"}),
            PersonNotAllowed,
            "P-rm-1 may not change the programme of participant P-1: only their ops lead "
            "P-ops-1 may",
        ),
        (
            TO_2025.model_copy(update={"to_version": "2024.1"}),
            ProgrammeChangeRefused,
            "participant P-1 already follows programme 2024.1",
        ),
        (
            TO_2025.model_copy(update={"to_version": "2019.1"}),
            UnknownProgrammeVersion,
            "unknown programme version '2019.1'",
        ),
    ],
)
def test_refusals_name_the_rule(command: ChangeProgramme, error: type, message: str) -> None:
    with pytest.raises(error) as refused:
        decide(enrolled_on_2024(), command, ENROLLED_AT + timedelta(days=1))
    assert str(refused.value).startswith(message)


def test_nobody_can_change_the_programme_of_someone_who_has_left() -> None:
    finished, _ = run_programme(enrolled_on_2024(), ENROLLED_AT)
    with pytest.raises(ParticipantNotActive):
        decide(finished, TO_2025, (finished.as_of or PROGRAMME_START) + timedelta(days=1))
