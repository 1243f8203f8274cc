"""Spans and Prometheus metrics of the worker: jobs, graph nodes, model calls, memory.

The worker runs jobs in its own process (SimpleWorker), so metrics recorded
inside a job live in the same registry that `/metrics` on WORKER_METRICS_PORT
serves; no multiprocess collection is needed.
"""

import threading
import time
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from prometheus_client import Counter, Gauge, Histogram
from todo_common.metrics import exemplar

tracer = trace.get_tracer("agent_worker")

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300)

QUEUE_WAIT = Histogram(
    "chat_job_queue_wait_seconds",
    "Time from enqueue to a worker starting the job.",
    buckets=LATENCY_BUCKETS,
)
JOB_DURATION = Histogram(
    "chat_job_duration_seconds",
    "Time a worker spent on a job, by outcome.",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
JOBS = Counter(
    "chat_jobs_total",
    "Chat jobs finished, by outcome and reason.",
    ["outcome", "reason"],
)
WORKER_BUSY = Gauge("worker_busy", "1 while this worker runs a job, else 0.")
TIME_TO_FIRST_TOKEN = Histogram(
    "llm_time_to_first_token_seconds",
    "Time from sending a streamed model request to its first token, by graph node.",
    ["node"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30),
)
MODEL_DURATION = Histogram(
    "llm_request_duration_seconds",
    "Duration of model requests, by graph node.",
    ["node"],
    buckets=LATENCY_BUCKETS,
)
OUTPUT_TOKENS = Counter(
    "llm_output_tokens_total", "Tokens the model generated, by graph node.", ["node"]
)
INPUT_TOKENS = Counter(
    "llm_input_tokens_total",
    "Prompt tokens sent to the model, by graph node.",
    ["node"],
)
MODEL_ERRORS = Counter(
    "llm_errors_total", "Failed model requests, by exception type.", ["error"]
)
MEMORY_UPDATES = Counter(
    "memory_updates_total",
    "Memory items written, by kind and action.",
    ["kind", "action"],
)

# Error types are bounded: anything not listed here is counted as "other".
KNOWN_MODEL_ERRORS = frozenset(
    {
        "APIConnectionError",
        "APITimeoutError",
        "APIStatusError",
        "InternalServerError",
        "RateLimitError",
        "BadRequestError",
        "AuthenticationError",
        "NotFoundError",
    }
)


class ModelCallTelemetry(BaseCallbackHandler):
    """Open a GenAI client span per model request and record its metrics.

    Attribute names follow the OpenTelemetry GenAI semantic conventions
    (`gen_ai.*`). The time to first token is recorded as the span attribute
    `gen_ai.server.time_to_first_token`, the name the conventions give the metric.
    """

    def __init__(self, provider: str, model: str) -> None:
        self._provider = provider
        self._model = model
        self._calls: dict[UUID, tuple[Span, float, str, list[float]]] = {}
        self._lock = threading.Lock()

    def on_chat_model_start(
        self,
        serialized: dict,
        messages: list,
        *,
        run_id: UUID,
        metadata: dict | None = None,
        **kwargs: Any,
    ) -> None:
        node = (metadata or {}).get("langgraph_node", "none")
        span = tracer.start_span(
            f"chat {self._model}",
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": self._provider,
                "gen_ai.system": self._provider,
                "gen_ai.request.model": self._model,
                "langgraph.node": node,
            },
        )
        with self._lock:
            self._calls[run_id] = (span, time.perf_counter(), node, [])

    def on_llm_new_token(self, token: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            call = self._calls.get(run_id)
        if call is None or call[3]:
            return
        span, started, node, first = call
        elapsed = time.perf_counter() - started
        first.append(elapsed)
        span.set_attribute("gen_ai.server.time_to_first_token", elapsed)
        TIME_TO_FIRST_TOKEN.labels(node).observe(elapsed, exemplar=_span_exemplar(span))

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            call = self._calls.pop(run_id, None)
        if call is None:
            return
        span, started, node, _ = call
        usage, model_name, finish = _usage(response)
        if model_name:
            span.set_attribute("gen_ai.response.model", model_name)
        if finish:
            span.set_attribute("gen_ai.response.finish_reasons", [finish])
        if usage:
            span.set_attribute(
                "gen_ai.usage.input_tokens", usage.get("input_tokens", 0)
            )
            span.set_attribute(
                "gen_ai.usage.output_tokens", usage.get("output_tokens", 0)
            )
            INPUT_TOKENS.labels(node).inc(usage.get("input_tokens", 0))
            OUTPUT_TOKENS.labels(node).inc(usage.get("output_tokens", 0))
        MODEL_DURATION.labels(node).observe(
            time.perf_counter() - started, exemplar=_span_exemplar(span)
        )
        span.end()

    def on_llm_error(
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        with self._lock:
            call = self._calls.pop(run_id, None)
        name = type(error).__name__
        MODEL_ERRORS.labels(name if name in KNOWN_MODEL_ERRORS else "other").inc()
        if call is None:
            return
        span = call[0]
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, name))
        span.set_attribute("error.type", name)
        span.end()


def _usage(response: LLMResult) -> tuple[dict, str | None, str | None]:
    """Read token usage, model name and finish reason from a chat result."""
    for generations in response.generations:
        for generation in generations:
            message = getattr(generation, "message", None)
            metadata = getattr(message, "response_metadata", {}) or {}
            usage = getattr(message, "usage_metadata", None) or {}
            return (
                dict(usage),
                metadata.get("model_name"),
                metadata.get("finish_reason"),
            )
    return {}, None, None


def _span_exemplar(span: Span) -> dict[str, str] | None:
    context = span.get_span_context()
    if not context.is_valid:
        return exemplar()
    return {"trace_id": format(context.trace_id, "032x")}
