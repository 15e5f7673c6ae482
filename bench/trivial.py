"""The floors' workflows: what bare Temporal does, for `python -m bench floors` to compare.

`Idle` waits and answers a trivial Update (the floor of a decision's round trip and of a
cached workflow's memory), or an Update that returns once one trivial activity has run
(the floor of an answer that is on record before it returns); `OneActivity` runs one
trivial activity and ends (the floor of a participant's start).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_nothing")
async def nothing(value: str) -> str:
    return value


@workflow.defn(name="BenchIdle")
class Idle:
    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._done)

    @workflow.update
    async def echo(self, value: str) -> str:
        return value

    @workflow.update
    async def echo_after_activity(self, value: str) -> str:
        result: str = await workflow.execute_activity(
            nothing, value, start_to_close_timeout=timedelta(seconds=30)
        )
        return result

    @workflow.signal
    def finish(self) -> None:
        self._done = True


@workflow.defn(name="BenchOneActivity")
class OneActivity:
    @workflow.run
    async def run(self, value: str) -> str:
        result: str = await workflow.execute_activity(
            nothing, value, start_to_close_timeout=timedelta(seconds=30)
        )
        return result
