"""The Temporal dev server: search attributes registered, workflows kept across a restart."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus

from contracts.search_attributes import SEARCH_ATTRIBUTES
from scls.stack.ports import free_port
from scls.stack.temporal_dev import TemporalDevServer


async def test_registers_search_attributes_and_keeps_workflows_across_restart(
    data_dir: Path,
) -> None:
    server = TemporalDevServer(data_dir, port=free_port(), ui_port=free_port())
    workflow_id = f"probe-{uuid.uuid4()}"
    try:
        async with asyncio.timeout(180):
            await server.start()
            client = await Client.connect(server.address)
            listed = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace="default")
            )
            for key in SEARCH_ATTRIBUTES:
                assert listed.custom_attributes[key.name] == key.indexed_value_type
            assert (
                listed.custom_attributes["SclsNextDue"]
                == IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
            )

            # No worker polls this queue: the workflow just stays running.
            await client.start_workflow(
                "NoSuchWorkflow", id=workflow_id, task_queue="nobody-polls-this"
            )
            await asyncio.to_thread(server.stop)
            assert server.pid is None

            # Same SQLite file: the search attributes are given again and must not fail.
            await server.start()
            client = await Client.connect(server.address)
            description = await client.get_workflow_handle(workflow_id).describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            # Visibility is eventually consistent: poll the list briefly.
            listed_ids: list[str] = []
            for _ in range(50):
                listed_ids = [
                    execution.id
                    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'")
                ]
                if listed_ids:
                    break
                await asyncio.sleep(0.2)
            assert listed_ids == [workflow_id]
    finally:
        await asyncio.to_thread(server.stop)
    assert (data_dir / "temporal" / "temporal.sqlite").is_file()
