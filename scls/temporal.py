"""The connection to Temporal, and registering the engine's search attributes on a server.

Every process (worker, CLI, console) connects through `connect(settings)`, so the data
converter (pydantic, every payload encrypted: scls/payload_codec.py), namespace and TLS or
API key are chosen in one place.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from contracts.search_attributes import SEARCH_ATTRIBUTES
from scls.logging import forward_temporal_core_logs
from scls.payload_codec import data_converter
from scls.payload_keys import load_keyring
from scls.tracing import client_interceptors

if TYPE_CHECKING:
    from scls.settings import Settings


class TemporalConnectionError(Exception):
    """Temporal could not be reached; the message names the setting and the address."""


def tls_config(settings: Settings) -> TLSConfig | bool:
    """TLS from the settings: mTLS with client cert/key and/or a CA, or plain TLS for an API key."""
    if settings.temporal_tls_cert is not None or settings.temporal_tls_ca is not None:
        return TLSConfig(
            server_root_ca_cert=(
                settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None
            ),
            client_cert=(
                settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None
            ),
            client_private_key=(
                settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None
            ),
        )
    # Temporal Cloud's API keys only travel over TLS.
    return settings.temporal_api_key is not None


async def connect(
    settings: Settings,
    *,
    address: str | None = None,
    connect_timeout: timedelta = timedelta(seconds=10),
    runtime: Runtime | None = None,
) -> Client:
    """Connect to Temporal at `address` (default: SCLS_TEMPORAL_ADDRESS) with pydantic
    payloads encrypted under the configured keys (PayloadKeyError when there are none),
    traced when tracing is on; `runtime` is the worker's when it exports the SDK's metrics."""
    target = address or settings.temporal_address
    if runtime is None:
        forward_temporal_core_logs()
    converter = data_converter(load_keyring(settings))
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    try:
        return await Client.connect(
            target,
            namespace=settings.temporal_namespace,
            data_converter=converter,
            tls=tls_config(settings),
            api_key=api_key,
            connect_timeout=connect_timeout,
            interceptors=client_interceptors(settings),
            runtime=runtime,
        )
    except Exception as error:  # the SDK raises RuntimeError with the transport's reason
        raise TemporalConnectionError(
            f"cannot connect to Temporal at {target} (SCLS_TEMPORAL_ADDRESS, namespace "
            f"{settings.temporal_namespace!r}): {error}"
        ) from error


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    """Create the engine's search attributes where the server does not have them yet."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )
    from temporalio.service import RPCError, RPCStatusCode

    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(listed.custom_attributes)
    except RPCError as error:
        # The time-skipping test server can add search attributes but not list them.
        if error.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in SEARCH_ATTRIBUTES
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
