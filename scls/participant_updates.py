"""Asking a participant's workflow (decide, reassign, delegate, raise a concern, ...), an
intervention's (propose, review) or a cohort's (record attendance) to act by Update, as
the command line and the web console both do: the workflow's validator applies the
scheme's rules, and a refusal comes back as `UpdateRefused` with the rule's reason in
plain words; a workflow that cannot be asked at all is `WorkflowUnreachable`.

`signal_workflow` sends the same answers as Signals, for scripts that cannot wait: the
workflow records a refusal instead of returning it. Updates and Signals are named by the
handler itself (`ParticipantWorkflow.decide`), never by a string, so a renamed or retyped
handler fails type checking here rather than in production.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from temporalio.client import Client, WorkflowHandle
    from temporalio.types import MethodSyncOrAsyncSingleParam
    from temporalio.workflow import UpdateMethodMultiParam

    from domain.alumni.record import AlumniState
    from domain.cohort.state import CohortSummary
    from domain.intervention.case import CaseFile
    from domain.participant.state import ParticipantState
    from workflows.alumni import AlumniWorkflow
    from workflows.cohort import CohortWorkflow
    from workflows.intervention import InterventionWorkflow
    from workflows.participant import ParticipantWorkflow

A = TypeVar("A")  # the Update's argument
R = TypeVar("R")  # what the Update returns

# An Update waits for a worker to run the validator; without one it would wait for ever.
# The one bound for every Update the command line and the console send.
UPDATE_TIMEOUT = 30.0


class UpdateRefused(Exception):
    """The workflow's validator refused the Update: a rule of the scheme said no."""


class WorkflowUnreachable(Exception):
    """The workflow could not be asked: not found, closed, or no worker answered."""


async def update_participant(
    client: Client,
    participant_id: str,
    update: UpdateMethodMultiParam[[ParticipantWorkflow, A], ParticipantState],
    argument: A,
    wait_seconds: float = UPDATE_TIMEOUT,
) -> ParticipantState:
    """Run `update` on the participant's workflow; their state after it."""
    from domain.ids import participant_workflow_id

    handle = client.get_workflow_handle(participant_workflow_id(participant_id))
    return await _update(handle, f"participant {participant_id}", update, argument, wait_seconds)


def work_update(command: object) -> Any:
    """The Update that carries a command of the participant's work (evidence, a report, a
    review's form and signatures, feedback), as the console sends it."""
    from workflows.participant import ParticipantWorkflow

    updates: dict[str, Any] = {
        "AddEvidence": ParticipantWorkflow.add_evidence,
        "SubmitEvidence": ParticipantWorkflow.submit_evidence,
        "SubmitReport": ParticipantWorkflow.submit_report,
        "DraftReview": ParticipantWorkflow.draft_review,
        "SignReview": ParticipantWorkflow.sign_review,
        "GiveFeedback": ParticipantWorkflow.give_feedback,
    }
    return updates[type(command).__name__]


class FanOut:
    """What one Update sent to many participants did: granted, refused, unreachable."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.refused: list[tuple[str, str]] = []
        self.unreachable: list[tuple[str, str]] = []

    @property
    def asked(self) -> int:
        return len(self.done) + len(self.refused) + len(self.unreachable)


async def update_each(
    client: Client,
    participant_ids: list[str],
    update: UpdateMethodMultiParam[[ParticipantWorkflow, A], ParticipantState],
    argument: A,
    wait_seconds: float = UPDATE_TIMEOUT,
) -> FanOut:
    """`update` on each participant's workflow, a few at a time (a manager may support
    dozens of participants, a cohort holds thirty), each outcome in id order."""
    gate = asyncio.Semaphore(16)
    result = FanOut()

    async def one(participant_id: str) -> None:
        async with gate:
            try:
                await update_participant(client, participant_id, update, argument, wait_seconds)
            except UpdateRefused as refusal:
                result.refused.append((participant_id, str(refusal)))
            except WorkflowUnreachable as problem:
                result.unreachable.append((participant_id, str(problem)))
            else:
                result.done.append(participant_id)

    await asyncio.gather(*(one(pid) for pid in participant_ids))
    result.done.sort()
    result.refused.sort()
    result.unreachable.sort()
    return result


async def update_case(
    client: Client,
    participant_id: str,
    case_number: int,
    update: UpdateMethodMultiParam[[InterventionWorkflow, A], CaseFile],
    argument: A,
    wait_seconds: float = UPDATE_TIMEOUT,
) -> CaseFile:
    """Run `update` on an intervention's workflow; its case file after it."""
    from domain.ids import intervention_workflow_id

    handle = client.get_workflow_handle(intervention_workflow_id(participant_id, case_number))
    what = f"intervention {case_number} of participant {participant_id}"
    return await _update(handle, what, update, argument, wait_seconds)


async def update_cohort(
    client: Client,
    cohort_id: str,
    update: UpdateMethodMultiParam[[CohortWorkflow, A], CohortSummary],
    argument: A,
    wait_seconds: float = UPDATE_TIMEOUT,
) -> CohortSummary:
    """Run `update` on the cohort's workflow; its summary after it."""
    from domain.ids import cohort_workflow_id

    handle = client.get_workflow_handle(cohort_workflow_id(cohort_id))
    return await _update(handle, f"cohort {cohort_id}", update, argument, wait_seconds)


async def update_alumni(
    client: Client,
    person_id: str,
    update: UpdateMethodMultiParam[[AlumniWorkflow, A], AlumniState],
    argument: A,
    wait_seconds: float = UPDATE_TIMEOUT,
) -> AlumniState:
    """Run `update` on an alumnus' workflow; their alumni record after it."""
    from domain.ids import alumni_workflow_id

    handle = client.get_workflow_handle(alumni_workflow_id(person_id))
    what = f"the alumni record of {person_id}"
    return await _update(handle, what, update, argument, wait_seconds)


async def _update(
    handle: WorkflowHandle[Any, Any],
    what: str,
    update: UpdateMethodMultiParam[[Any, A], R],
    argument: A,
    wait_seconds: float,
) -> R:
    from temporalio.client import (
        WorkflowUpdateFailedError,
        WorkflowUpdateRPCTimeoutOrCancelledError,
    )
    from temporalio.exceptions import ApplicationError
    from temporalio.service import RPCError, RPCStatusCode

    try:
        return await asyncio.wait_for(handle.execute_update(update, argument), timeout=wait_seconds)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError):
            raise UpdateRefused(cause.message) from None
        raise UpdateRefused(str(cause or error)) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise WorkflowUnreachable(
                f"{what} has no running workflow ({handle.id}): {error.message}"
            ) from None
        raise WorkflowUnreachable(f"Temporal refused the request: {error.message}") from None
    # Cancelled by the timeout, the SDK's own poll may raise its error instead.
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise WorkflowUnreachable(
            f"no answer from the workflow of {what} within {wait_seconds:g}s: "
            "is a worker (`scls worker` or `scls dev`) running?"
        ) from None


async def signal_workflow(
    client: Client,
    workflow_id: str,
    signal: MethodSyncOrAsyncSingleParam[Any, A, None],
    argument: A,
) -> None:
    """Send `signal` and return at once, for callers that cannot wait: the workflow
    applies it, or puts its refusal on record (DecisionRefused, CaseStepRefused)."""
    from temporalio.service import RPCError, RPCStatusCode

    try:
        await client.get_workflow_handle(workflow_id).signal(signal, argument)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise WorkflowUnreachable(
                f"no running workflow {workflow_id}: {error.message}"
            ) from None
        raise WorkflowUnreachable(f"Temporal refused the request: {error.message}") from None
