"""OpenTelemetry set-up from the standard OTEL_* variables, and trace-context helpers.

Tracing is on only when an OTLP endpoint is configured
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and
`OTEL_SDK_DISABLED` is not `true`. Otherwise no provider is installed and every
span is the API's no-op span, so a service without a collector pays nothing
and logs no export errors. The SDK itself reads `OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and the exporter variables.
"""

import os
from collections.abc import Callable

from opentelemetry import propagate, trace
from opentelemetry.context import Context

ENDPOINT_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def tracing_enabled() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def configure_tracing(default_service_name: str) -> Callable[[], None]:
    """Install a tracer provider exporting OTLP over HTTP; return its shutdown.

    `default_service_name` applies when OTEL_SERVICE_NAME is unset.
    """
    if not tracing_enabled():
        return lambda: None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = default_service_name
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider.shutdown


def instrument_libraries() -> None:
    """Turn on the contrib instrumentations for redis, psycopg and httpx."""
    if not tracing_enabled():
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False)
    HTTPXClientInstrumentor().instrument()


def current_trace_headers() -> dict[str, str]:
    """Return the W3C `traceparent` (and `tracestate`) of the current span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(traceparent: str | None, tracestate: str | None = None) -> Context:
    """Rebuild a parent context from W3C trace headers carried in a payload."""
    carrier = {}
    if traceparent:
        carrier["traceparent"] = traceparent
    if tracestate:
        carrier["tracestate"] = tracestate
    return propagate.extract(carrier)


def trace_ids() -> dict[str, str]:
    """Return the current trace and span id as hex, or nothing outside a span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return {}
    return {
        "trace_id": format(span_context.trace_id, "032x"),
        "span_id": format(span_context.span_id, "016x"),
    }
