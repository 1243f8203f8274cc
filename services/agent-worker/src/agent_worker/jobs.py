"""The RQ job that replies to one chat message, and its failure callback.

The gateway enqueues `run_chat_job` by its dotted path. Whatever happens, the
job's stream ends with one terminal event: `end` after a reply, or `error`
from `run_chat_job` itself, from `report_job_failure` (RQ calls it after a
time-out, and when it finds the job abandoned by a dead worker), or from the
gateway's check for abandoned runs. The stream script keeps only the first.
"""

import time
from datetime import UTC, datetime
from types import TracebackType
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from langchain_core.messages import AIMessageChunk, HumanMessage
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException
from todo_common.events import (
    EndData,
    ErrorData,
    EventType,
    MemoryData,
    StartData,
    TokenData,
)
from todo_common.jobs import ChatJob
from todo_common.keys import QUEUE_NAME
from todo_common.metrics import exemplar
from todo_common.telemetry import context_from

from agent_worker import runs
from agent_worker.errors import (
    ABANDONED_MESSAGE,
    TIMEOUT_MESSAGE,
    AgentError,
    InvalidModelOutputError,
    ModelUnavailableError,
    ReplyTimeoutError,
)
from agent_worker.graph import RESPOND, AgentContext
from agent_worker.liveness import JobLiveness
from agent_worker.publisher import TokenBatcher
from agent_worker.runtime import WorkerRuntime, get_runtime
from agent_worker.telemetry import (
    JOB_DURATION,
    JOBS,
    MEMORY_UPDATES,
    QUEUE_WAIT,
    WORKER_BUSY,
    tracer,
)

log = structlog.get_logger(__name__)

# RQ's own default, used when the job carries no time-out.
DEFAULT_TIMEOUT = 180.0


def run_chat_job(payload: dict) -> dict:
    """Reply to one chat message: run the agent and stream its events."""
    runtime = get_runtime()
    job = ChatJob.from_payload(payload)
    job_id = str(job.job_id)
    structlog.contextvars.bind_contextvars(job_id=job_id, thread_id=str(job.thread_id))
    started = time.perf_counter()
    span = tracer.start_span(
        f"process {QUEUE_NAME}",
        context=context_from(job.traceparent, job.tracestate),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "rq",
            "messaging.destination.name": QUEUE_NAME,
            "messaging.operation.type": "process",
            "messaging.message.id": job_id,
        },
    )
    WORKER_BUSY.set(1)
    try:
        with (
            trace.use_span(span, end_on_exit=False),
            JobLiveness(runtime.redis, job_id),
        ):
            return run_claimed(runtime, job, span, started)
    finally:
        span.end()
        WORKER_BUSY.set(0)
        structlog.contextvars.unbind_contextvars("job_id", "thread_id")


def run_claimed(
    runtime: WorkerRuntime, job: ChatJob, span: Span, started: float
) -> dict:
    job_id = str(job.job_id)
    try:
        attempt = runs.mark_running(runtime.pool, job.job_id)
        if attempt is None:
            log.warning("job.skipped", reason="run is no longer queued")
            span.set_attribute("chat.job.skipped", True)
            return {"status": "skipped"}
        # The gateway configures no RQ retries, so this stays 1. The span
        # records it so that a retried job would show as one.
        span.set_attribute("chat.job.attempt", attempt)
        QUEUE_WAIT.observe(
            (datetime.now(UTC) - job.enqueued_at).total_seconds(), exemplar=exemplar()
        )
        log.info("job.started", attempt=attempt)
        runtime.publisher.publish(
            job_id,
            EventType.START,
            StartData(job_id=job_id, thread_id=str(job.thread_id)),
        )
        reply = stream_reply(runtime, job)
        runs.record_reply(runtime.pool, job.job_id, job.thread_id, reply)
        runtime.publisher.publish(job_id, EventType.END, EndData(text=reply))
        JOBS.labels("succeeded", "ok").inc()
        JOB_DURATION.labels("succeeded").observe(
            time.perf_counter() - started, exemplar=exemplar()
        )
        log.info("job.succeeded", reply_chars=len(reply))
        return {"status": "succeeded"}
    except BaseException as exc:
        reason = failure_reason(exc)
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, reason))
        if end_failed(runtime, job.job_id, message_for(exc), type(exc).__name__):
            JOBS.labels("failed", reason).inc()
        JOB_DURATION.labels("failed").observe(
            time.perf_counter() - started, exemplar=exemplar()
        )
        raise


def stream_reply(runtime: WorkerRuntime, job: ChatJob) -> str:
    """Run the graph, publishing memory events and batched tokens; return the reply."""
    job_id = str(job.job_id)

    def send_tokens(text: str) -> None:
        runtime.publisher.publish(job_id, EventType.TOKEN, TokenData(text=text))

    batcher = TokenBatcher(send_tokens, window=runtime.settings.token_batch_ms / 1000)
    parts: list[str] = []
    context = AgentContext(
        user_id=job.user_id,
        now=datetime.now(ZoneInfo(job.timezone)),
        deadline=time.monotonic() + soft_timeout(get_current_job()),
    )
    try:
        for mode, chunk in runtime.graph.stream(
            {"messages": [HumanMessage(job.message)], "changes": []},
            config={"configurable": {"thread_id": str(job.thread_id)}},
            context=context,
            stream_mode=["messages", "custom"],
        ):
            if mode == "custom" and isinstance(chunk, MemoryData):
                runtime.publisher.publish(job_id, EventType.MEMORY, chunk)
                MEMORY_UPDATES.labels(chunk.kind, chunk.action).inc()
                log.info("memory.changed", kind=chunk.kind, action=chunk.action)
            elif mode == "messages":
                message, metadata = chunk
                if metadata.get("langgraph_node") != RESPOND:
                    continue
                text = message.content if isinstance(message, AIMessageChunk) else None
                if isinstance(text, str) and text:
                    parts.append(text)
                    batcher.add(text)
    finally:
        batcher.close()
    return "".join(parts)


def soft_timeout(job: Job | None) -> float:
    """Seconds the nodes may run: RQ's time-out less a margin for ending the stream."""
    timeout = float(job.timeout) if job is not None and job.timeout else DEFAULT_TIMEOUT
    return timeout - min(10.0, timeout * 0.1)


def message_for(exc: BaseException | None, exc_type: type | None = None) -> str:
    """Choose the sentence the person reads for a failure."""
    kind = exc_type or type(exc)
    if isinstance(exc, AgentError):
        return exc.user_message
    if kind is not None and issubclass(kind, JobTimeoutException):
        return TIMEOUT_MESSAGE
    if kind is not None and issubclass(
        kind, (AbandonedJobError, SystemExit, KeyboardInterrupt)
    ):
        return ABANDONED_MESSAGE
    return AgentError.user_message


def end_failed(runtime: WorkerRuntime, job_id: UUID, message: str, reason: str) -> bool:
    """Mark the run failed, then end its stream with an error event.

    Returns whether this call changed anything, so a failure is counted once.
    """
    changed = runs.mark_failed(runtime.pool, job_id, reason)
    ended = runtime.publisher.publish(
        str(job_id), EventType.ERROR, ErrorData(message=message)
    )
    if changed or ended:
        log.error("job.failed", job_id=str(job_id), reason=reason)
    return bool(changed or ended)


def failure_reason(exc: BaseException | None, exc_type: type | None = None) -> str:
    """Name a failure with one of a few bounded labels for metrics and spans."""
    kind = exc_type or type(exc)
    if isinstance(exc, ModelUnavailableError):
        return "model_unavailable"
    if isinstance(exc, InvalidModelOutputError):
        return "invalid_output"
    if isinstance(exc, ReplyTimeoutError) or (
        kind and issubclass(kind, JobTimeoutException)
    ):
        return "timeout"
    if kind and issubclass(kind, AbandonedJobError):
        return "abandoned"
    if kind and issubclass(kind, (SystemExit, KeyboardInterrupt)):
        return "shutdown"
    return "error"


def report_job_failure(
    job: Job,
    connection: object,
    exc_type: type[BaseException],
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ failure callback: end the run of a job that timed out, crashed or was abandoned."""
    message = message_for(exc_value, exc_type)
    if end_failed(get_runtime(), UUID(job.id), message, exc_type.__name__):
        JOBS.labels("failed", failure_reason(exc_value, exc_type)).inc()
