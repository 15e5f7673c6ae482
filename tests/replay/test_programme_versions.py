"""The versioning policy's worked example: the 2025 Care Certificate standards.

Programme 2025.1 (16 standards) followed 2024.1 (15 standards), and 2026.1 (the same 16,
with the participant's work on record) follows it for new cohorts; participants keep
the version they enrolled on to the end, because the version is pinned in their enrolment event
and carried through every continue-as-new. Both kinds of running workflow must keep
replaying: the recorded histories of each are replayed here under the current code.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowHistory

from contracts.event_log import APPEND_EVENTS, AppendRequest
from domain.cohort.decide import CohortDefinition, enrolments
from domain.cohort.intake_file import read_cohort_file
from domain.participant.decide import decide
from domain.participant.events import ParticipantEnrolled
from domain.participant.state import ParticipantState, initial_state
from domain.programme.definition import CURRENT_PROGRAMME_VERSION, get_programme
from tests.intake.cohort_files import csv_text, example_rows
from tests.payload_keys import TEST_CONVERTER
from tests.replay.record import COMPLETE, IN_FLIGHT, load_index
from tests.replay.test_replay import replayer
from tests.workflows.programme_driver import cohort_definition
from workflows.participant import ParticipantRun

RECORDED = load_index()
STANDARDS = {"2024.1": 15, "2025.1": 16, "2026.1": 16, "2026.2": 16}


async def appended(history: WorkflowHistory) -> list[AppendRequest]:
    """The batches a recorded run asked the event store to append."""
    requests = []
    for event in history.events:
        if not event.HasField("activity_task_scheduled_event_attributes"):
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name == APPEND_EVENTS:
            [request] = await TEST_CONVERTER.decode(scheduled.input.payloads, [AppendRequest])
            requests.append(request)
    return requests


async def carried_state(history: WorkflowHistory) -> ParticipantState:
    """The state a complete run handed on to the next through continue-as-new. Read from
    there, not from the appends: a run on the local-activity append keeps only each
    append's result in its history, not the events it appended."""
    [last] = [e for e in history.events if e.HasField(_CONTINUED)]
    [run] = await TEST_CONVERTER.decode(getattr(last, _CONTINUED).input.payloads, [ParticipantRun])
    assert run.state is not None
    return run.state


_CONTINUED = "workflow_execution_continued_as_new_event_attributes"


def test_a_new_cohort_gets_the_current_programme_unless_it_names_a_version() -> None:
    start = datetime(2026, 9, 7, tzinfo=UTC)
    named = cohort_definition(2, start=start, programme_version="2024.1")
    unnamed = CohortDefinition.model_validate(named.model_dump(exclude={"programme_version"}))
    assert unnamed.programme_version == CURRENT_PROGRAMME_VERSION == "2026.2"
    for cohort, version in ((named, "2024.1"), (unnamed, "2026.2")):
        enrolment = enrolments(cohort)[0]
        enrolled = decide(initial_state(enrolment.participant_id), enrolment, start)[0]
        # Pinned in the participant's first event, for the rest of the two years.
        assert isinstance(enrolled, ParticipantEnrolled)
        assert enrolled.programme_version == version
        standards = get_programme(version).care_certificate_standards
        assert len(standards) == STANDARDS[version]


def test_a_cohort_file_without_a_programme_version_follows_the_current_one() -> None:
    rows = example_rows()
    for row in rows:
        row["programme_version"] = ""
    intake = read_cohort_file(csv_text(rows), "csv", today=datetime.now(UTC).date())
    assert intake.definition.programme_version == CURRENT_PROGRAMME_VERSION


@pytest.mark.parametrize("version", sorted(STANDARDS))
async def test_participants_on_either_standards_replay_in_flight_and_complete(
    version: str,
) -> None:
    mine = [
        r
        for r in RECORDED
        if r.programme_version == version and r.workflow == "ParticipantWorkflow"
    ]
    in_flight = [r for r in mine if r.phase == "care_placement" and r.status == IN_FLIGHT]
    institute = [r for r in mine if r.phase == "summer_institute" and r.status == COMPLETE]
    assert in_flight and institute, "record them: python -m tests.replay.record"
    for recorded in [*in_flight, *institute]:
        await replayer().replay_workflow(recorded.history())
    # The Institute's run opened the care placement with the version's standards.
    state = await carried_state(institute[0].history())
    opened = {task_id for task_id in state.tasks if task_id.startswith("care_certificate.")}
    assert len(opened) == STANDARDS[version]


async def test_a_participant_moved_to_2025_by_ops_replays_and_got_the_2025_standards() -> None:
    moved = {r.phase: r for r in RECORDED if r.scenario == "programme-change"}
    assert {"enrolment", "summer_institute", "care_placement"} <= set(moved), (
        "record it: python -m tests.replay.record programme-change"
    )
    for recorded in moved.values():
        await replayer().replay_workflow(recorded.history())
    enrolment = [e for r in await appended(moved["enrolment"].history()) for e in r.events]
    enrolled, changed = (
        next(e for e in enrolment if e.type == kind)
        for kind in ("ParticipantEnrolled", "ProgrammeVersionChanged")
    )
    assert enrolled.data["programme_version"] == "2024.1"
    assert (changed.data["from_version"], changed.data["to_version"]) == ("2024.1", "2025.1")
    opened = {
        event.data["task_id"]
        for request in await appended(moved["summer_institute"].history())
        for event in request.events
        if event.type == "TaskOpened" and event.data["task_id"].startswith("care_certificate.")
    }
    assert len(opened) == STANDARDS["2025.1"]
