"""Workflows for the health test, in a module of their own: the sandbox re-imports a
workflow's module for every run, and this one imports nothing but temporalio (the test
module's asyncpg, re-imported in the sandbox, crashes the process later)."""

from __future__ import annotations

from temporalio import workflow

FAILURE = "the rota of home H07 cannot be read"


@workflow.defn(name="BrokenWorkflow")
class BrokenWorkflow:
    """Raises a plain exception, a bug as far as Temporal knows: its task is retried for
    ever while its status stays Running."""

    @workflow.run
    async def run(self) -> None:
        raise RuntimeError(FAILURE)


@workflow.defn(name="WaitingWorkflow")
class WaitingWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)
