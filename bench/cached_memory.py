"""The worker process `python -m bench floors` measures memory in: it starts workflows of
one kind, lets each settle in the worker's cache, and prints the RSS grown per workflow.

    python -m bench.cached_memory participant|trivial COUNT ADDRESS DATABASE_URL
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import uuid
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from bench.floors import cohort, start_participants
from bench.trivial import Idle
from scls.payload_codec import data_converter
from scls.payload_keys import parse_keyring
from store.pool import open_pool
from worker import build_worker
from workflows.participant import ParticipantWorkflow

WARM_UP = 10


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1])


async def _participants(client: Client, queue: str, count: int) -> list[WorkflowHandle[Any, Any]]:
    handles = await start_participants(client, queue, cohort(count))
    for handle in handles:  # answered from the cache once its first task is done
        while True:
            if (await handle.query(ParticipantWorkflow.state)).tasks:
                break
            await asyncio.sleep(0.05)
    return handles


async def _trivial(client: Client, queue: str, count: int) -> list[WorkflowHandle[Any, Any]]:
    handles = [
        await client.start_workflow(Idle.run, id=f"idle-{uuid.uuid4()}", task_queue=queue)
        for _ in range(count)
    ]
    for handle in handles:
        await handle.execute_update(Idle.echo, "settled")
    return handles


async def measure(kind: str, count: int, address: str, dsn: str) -> dict[str, float]:
    import os

    keys = parse_keyring(os.environ["SCLS_PAYLOAD_KEYS"], "SCLS_PAYLOAD_KEYS")
    client = await Client.connect(address, data_converter=data_converter(keys))
    queue = f"memory-{kind}-{uuid.uuid4().hex[:8]}"
    pool = await open_pool(dsn)
    if kind == "participant":
        worker, start = build_worker(client, pool, queue), _participants
    else:
        worker, start = Worker(client, task_queue=queue, workflows=[Idle]), _trivial
    async with worker:
        handles = await start(client, queue, WARM_UP)
        gc.collect()
        before = _rss_kb()
        handles += await start(client, queue, count)
        gc.collect()
        after = _rss_kb()
        for handle in handles:
            await handle.terminate("measured")
    await pool.close()
    return {"kb_per_workflow": (after - before) / count, "rss_kb": after}


def main(argv: list[str]) -> int:
    kind, count, address, dsn = argv
    print(json.dumps(asyncio.run(measure(kind, int(count), address, dsn))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
