"""The RQ job that replies to one chat message, and its failure callback.

The gateway enqueues `run_chat_job` by its dotted path. Whatever happens, the
job's stream ends with one terminal event: `end` after a reply, or `error`
from `run_chat_job` itself, from `report_job_failure` (RQ calls it after a
time-out, and when it finds the job abandoned by a dead worker), or from the
gateway's check for abandoned runs. The stream script keeps only the first.
"""

import time
from datetime import datetime
from types import TracebackType
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from langchain_core.messages import AIMessageChunk, HumanMessage
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

from agent_worker import runs
from agent_worker.errors import ABANDONED_MESSAGE, TIMEOUT_MESSAGE, AgentError
from agent_worker.graph import RESPOND, AgentContext
from agent_worker.publisher import TokenBatcher
from agent_worker.runtime import WorkerRuntime, get_runtime

log = structlog.get_logger(__name__)

# RQ's own default, used when the job carries no time-out.
DEFAULT_TIMEOUT = 180.0


def run_chat_job(payload: dict) -> dict:
    """Reply to one chat message: run the agent and stream its events."""
    runtime = get_runtime()
    job = ChatJob.from_payload(payload)
    job_id = str(job.job_id)
    structlog.contextvars.bind_contextvars(job_id=job_id, thread_id=str(job.thread_id))
    try:
        if not runs.mark_running(runtime.pool, job.job_id):
            log.warning("job.skipped", reason="run is no longer queued")
            return {"status": "skipped"}
        log.info("job.started")
        runtime.publisher.publish(
            job_id,
            EventType.START,
            StartData(job_id=job_id, thread_id=str(job.thread_id)),
        )
        reply = stream_reply(runtime, job)
        runs.record_reply(runtime.pool, job.job_id, job.thread_id, reply)
        runtime.publisher.publish(job_id, EventType.END, EndData(text=reply))
        log.info("job.succeeded", reply_chars=len(reply))
        return {"status": "succeeded"}
    except BaseException as exc:
        end_failed(runtime, job.job_id, message_for(exc), type(exc).__name__)
        raise
    finally:
        structlog.contextvars.unbind_contextvars("job_id", "thread_id")


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


def end_failed(runtime: WorkerRuntime, job_id: UUID, message: str, reason: str) -> None:
    """Mark the run failed, then end its stream with an error event."""
    changed = runs.mark_failed(runtime.pool, job_id, reason)
    ended = runtime.publisher.publish(
        str(job_id), EventType.ERROR, ErrorData(message=message)
    )
    if changed or ended:
        log.error("job.failed", job_id=str(job_id), reason=reason)


def report_job_failure(
    job: Job,
    connection: object,
    exc_type: type[BaseException],
    exc_value: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ failure callback: end the run of a job that timed out, crashed or was abandoned."""
    end_failed(
        get_runtime(), UUID(job.id), message_for(exc_value, exc_type), exc_type.__name__
    )
