"""The preview of a programme change, 2024.1 to 2025.1, for a participant in each phase:
before the care placement the 2025 Care Certificate adds standard 16 and renames
standard 4; in the care placement the change is refused with the rule's reason; past it
nothing ahead changes. The preview records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.participant.decide import decide
from domain.participant.programme_preview import (
    ProgrammePreview,
    TaskChange,
    TaskChangeKind,
    preview_programme_change,
)
from domain.participant.state import ParticipantState, initial_state
from domain.programme.phases import Phase
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, until_phase

ENROLLED_AT = PROGRAMME_START - timedelta(weeks=4)

STANDARD_16 = TaskChange(
    phase=Phase.CARE_PLACEMENT,
    key="care_certificate.16",
    change=TaskChangeKind.ADDED,
    title="Care Certificate standard 16: Awareness of learning disability and autism",
)
STANDARD_4 = TaskChange(
    phase=Phase.CARE_PLACEMENT,
    key="care_certificate.4",
    change=TaskChangeKind.RETITLED,
    title="Care Certificate standard 4: Equality, diversity, inclusion and human rights",
    was="Care Certificate standard 4: Equality and diversity",
)


def in_phase(phase: Phase) -> ParticipantState:
    state = initial_state("P-1")
    state = applied(state, decide(state, enrol_command(programme_version="2024.1"), ENROLLED_AT))
    return until_phase(state, phase)


def preview(state: ParticipantState) -> ProgrammePreview:
    return preview_programme_change(state, "2025.1", state.as_of or ENROLLED_AT)


@pytest.mark.parametrize("phase", [Phase.ENROLMENT, Phase.SUMMER_INSTITUTE])
def test_before_the_care_placement_the_2025_standards_are_shown(phase: Phase) -> None:
    shown = preview(in_phase(phase))
    assert (shown.phase, shown.refused, shown.dates) == (phase, None, ())
    assert set(shown.tasks) == {STANDARD_4, STANDARD_16}
    assert (
        "Hands-on care placement: care_certificate.16 added: Care Certificate standard 16: "
        "Awareness of learning disability and autism"
    ) in shown.lines()


def test_in_the_care_placement_the_preview_says_why_it_would_be_refused() -> None:
    shown = preview(in_phase(Phase.CARE_PLACEMENT))
    assert shown.lines() == [
        "refused: participant P-1 is in the Hands-on care placement phase, whose sign-offs "
        "differ between programmes 2024.1 and 2025.1: change the programme once that phase "
        "is over"
    ]


@pytest.mark.parametrize(
    "phase",
    [Phase.FIRST_LINE_MANAGEMENT, Phase.TOWARDS_REGISTERED_MANAGER, Phase.RM_READINESS],
)
def test_past_the_care_placement_nothing_ahead_changes(phase: Phase) -> None:
    shown = preview(in_phase(phase))
    assert shown.unchanged and shown.lines() == ["no change to the phases ahead"]


def test_the_preview_records_nothing() -> None:
    state = in_phase(Phase.SUMMER_INSTITUTE)
    preview(state)
    assert state.programme_version == "2024.1" and state.programme_changes == ()


def test_a_change_of_how_the_phases_are_worked_is_shown_too() -> None:
    state = in_phase(Phase.SUMMER_INSTITUTE)
    shown = preview_programme_change(state, "2026.2", state.as_of or ENROLLED_AT)
    assert shown.ways == (
        "progress reviews become a form signed by all three",
        "the work behind sign-offs (evidence, reports) is handed in through the engine",
        "ratings, surveys and LQF assessments are asked for",
    )
