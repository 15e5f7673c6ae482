"""Every recorded history replays under the current code.

A workflow change that would make a running participant's or cohort's history take a
different path fails here, before a deploy stalls them: the histories in `histories/`
were recorded under earlier code (`python -m tests.replay.record`) and are replayed with
the worker's own workflows, sandbox and data converter (with the tests' payload keys: the
histories recorded before payloads were encrypted pass through its codec as they are).
docs/versioning.md says what to do when one fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from google.protobuf import json_format
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain.intervention.outcomes import InterventionOutcome
from domain.programme.definition import PROGRAMMES
from scls.payload_codec import ENCODING, EncryptionCodec, data_converter
from scls.payload_keys import Keyring
from tests.payload_keys import ROTATED_TO_B, TEST_CONVERTER, TEST_KEYRING
from tests.replay.record import (
    COMPLETE,
    ENCRYPTED_COMMENT,
    ENCRYPTED_CONCERN,
    HISTORIES,
    IN_FLIGHT,
    RecordedHistory,
    load_index,
)
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


# --- histories written with every payload encrypted (tests/payload_keys.py) ------------

ENCRYPTED = [r for r in RECORDED if r.scenario == "encrypted"]


def _payloads(value: object, *, in_search_attributes: bool = False) -> list[Payload]:
    """Every payload in a history file's JSON (event inputs, results, update arguments),
    or with `in_search_attributes` only the search attributes' (indexed by the server, so
    never encrypted)."""
    found = []
    if isinstance(value, dict):
        if "data" in value and "metadata" in value:
            found.append(json_format.ParseDict(value, Payload()))
        for key, item in value.items():
            if key == "patch-data":
                continue  # the SDK writes a patch's id there itself, past the codec
            if key == "searchAttributes":
                if in_search_attributes:
                    found += _payloads(item)
            else:
                found += _payloads(item, in_search_attributes=in_search_attributes)
    elif isinstance(value, list):
        for item in value:
            found += _payloads(item, in_search_attributes=in_search_attributes)
    if in_search_attributes:
        return [p for p in found if p.metadata.get("encoding") != ENCODING]
    return found


async def test_an_encrypted_history_holds_no_words_in_the_clear_and_reads_with_its_key() -> None:
    assert ENCRYPTED, "no encrypted history recorded: python -m tests.replay.record encrypted"
    plain = b""
    for recorded in ENCRYPTED:
        text = (HISTORIES / recorded.file).read_text()
        payloads = _payloads(json.loads(text))
        assert payloads and all(p.metadata["encoding"] == ENCODING for p in payloads)
        indexed = _payloads(json.loads(text), in_search_attributes=True)
        assert indexed  # phase, cohort, RAG: readable, and free of anything personal
        for payload in payloads + indexed:
            assert b"marker" not in payload.data
        plain += b"".join(p.data for p in await EncryptionCodec(TEST_KEYRING).decode(payloads))
    assert ENCRYPTED_CONCERN.encode() in plain and ENCRYPTED_COMMENT.encode() in plain


@pytest.mark.parametrize("recorded", ENCRYPTED, ids=[r.file for r in ENCRYPTED])
async def test_an_encrypted_history_replays_after_its_key_is_rotated_out_of_writing(
    recorded: RecordedHistory,
) -> None:
    rotated = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(ROTATED_TO_B),
        workflow_runner=workflow_runner(),
    )
    result = await rotated.replay_workflow(recorded.history(), raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
    # Without the key it was written under, it cannot be read at all.
    only_b = Keyring({"test-2026-b": ROTATED_TO_B.keys["test-2026-b"]}, "test-2026-b")
    lost = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(only_b),
        workflow_runner=workflow_runner(),
    )
    result = await lost.replay_workflow(recorded.history(), raise_on_replay_failure=False)
    assert result.replay_failure is not None
