"""OpenTelemetry traces, off unless SCLS_OTLP_ENDPOINT names a collector.

On, every Temporal client carries Temporal's TracingInterceptor (so a worker built on it
traces workflows and activities too) and the console traces its requests. A manager's
answer can be followed from the console's request span, through the Update it sends, to
the participant workflow validating and handling it and appending the events: the
interceptor keeps a workflow's spans in the workflow's own trace and links each handler
to its caller's span. Spans carry ids (workflow, run, task queue), never payloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio.client import Interceptor

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider

    from scls.settings import Settings

# The OpenTelemetry packages are imported only when tracing is on: every CLI command
# connects to Temporal, and most never trace.

_started: TracerProvider | None = None


def start_tracing(settings: Settings, service: str) -> None:
    """Export spans to the OTLP endpoint, once per process (`scls dev` runs the worker
    and the console in one, under the first one's service name)."""
    global _started
    if settings.otlp_endpoint is None or _started is not None:
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _started = provider


def stop_tracing() -> None:
    """Send the spans still buffered, at shutdown."""
    if _started is not None:
        _started.shutdown()


def client_interceptors(settings: Settings) -> list[Interceptor]:
    """What every Temporal client of the engine carries."""
    if settings.otlp_endpoint is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def trace_console(app: FastAPI, settings: Settings) -> None:
    """A span per console request, the parent of the Temporal calls it makes."""
    if settings.otlp_endpoint is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics,static")
