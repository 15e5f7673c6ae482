"""Every recorded history replays under the current code.

A workflow change that would make a running participant's or cohort's history take a
different path fails here, before a deploy stalls them: the histories in `histories/`
were recorded under earlier code (`python -m tests.replay.record`) and are replayed with
the worker's own workflows, sandbox and data converter. docs/versioning.md says what to
do when one fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from temporalio import workflow
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain.intervention.outcomes import InterventionOutcome
from domain.programme.definition import PROGRAMMES
from tests.payload_keys import TEST_CONVERTER
from tests.replay.record import COMPLETE, HISTORIES, IN_FLIGHT, RecordedHistory, load_index
from tests.workflows.programme_driver import PHASES_IN_ORDER
from worker import workflow_runner
from workflows import WORKFLOWS
from workflows.participant import ParticipantRun

RECORDED = load_index()
# The outcome models of the InterventionOutcome union (Annotated[Union, discriminator]).
OUTCOME_KINDS = get_args(InterventionOutcome)[0]


def replayer(workflows: list[type] | None = None) -> Replayer:
    return Replayer(
        workflows=workflows or WORKFLOWS,
        data_converter=TEST_CONVERTER,
        workflow_runner=workflow_runner(),
    )


@pytest.mark.parametrize("recorded", RECORDED, ids=[r.file.removesuffix(".json") for r in RECORDED])
async def test_a_recorded_history_replays_under_the_current_code(
    recorded: RecordedHistory,
) -> None:
    result = await replayer().replay_workflow(recorded.history(), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{recorded.file}: {result.replay_failure}"


def test_the_histories_cover_every_workflow_and_every_phase_of_every_programme() -> None:
    assert RECORDED, f"no histories in {HISTORIES}: run python -m tests.replay.record"
    for defined in WORKFLOWS:
        name = defined.__name__  # each workflow is registered under its class's name
        statuses = {r.status for r in RECORDED if r.workflow == name}
        assert statuses == {COMPLETE, IN_FLIGHT}, f"{name}: recorded {statuses or 'nothing'}"
    for version in PROGRAMMES:
        phases = {
            r.phase
            for r in RECORDED
            if r.workflow == "ParticipantWorkflow"
            and r.programme_version == version
            and r.status == COMPLETE
        }
        assert phases == {p.value for p in PHASES_IN_ORDER}, f"programme {version}: {phases}"
    decided = {r.outcome for r in RECORDED if r.workflow == "InterventionWorkflow"}
    every_outcome = {kind.model_fields["kind"].default for kind in get_args(OUTCOME_KINDS)}
    assert every_outcome <= decided, f"intervention outcomes recorded: {decided}"


def test_every_history_on_file_is_in_the_index() -> None:
    on_file = {path.name for path in Path(HISTORIES).glob("*.json")} - {"index.json"}
    assert on_file == {r.file for r in RECORDED}


@workflow.defn(name="ParticipantWorkflow", sandboxed=False)
class ParticipantWorkflowThatWaitsFirst:
    """A non-deterministic change: a timer where the recorded run appended its enrolment."""

    @workflow.run
    async def run(self, run: ParticipantRun) -> None:
        await workflow.sleep(60)


async def test_a_change_that_breaks_replay_is_caught() -> None:
    # Its recorded run appends the enrolment before anything else.
    recorded = next(r for r in RECORDED if r.phase == "enrolment" and r.status == COMPLETE)
    with pytest.raises(NondeterminismError):
        await replayer([ParticipantWorkflowThatWaitsFirst]).replay_workflow(recorded.history())
