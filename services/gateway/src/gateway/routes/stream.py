"""Relaying a job's Redis Stream to the browser as Server-Sent Events."""

import json
import re
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Header, HTTPException
from opentelemetry import trace
from opentelemetry.trace import Link, Status, StatusCode
from redis.exceptions import RedisError
from sse_starlette import EventSourceResponse, ServerSentEvent
from todo_common.events import TERMINAL_EVENTS, EventType, decode_event
from todo_common.keys import stream_key, terminal_key
from todo_common.telemetry import context_from

from gateway import runs
from gateway.deps import Pool, Queue, RedisClient, Settings, UserId
from gateway.metrics import SSE_EVENTS_RELAYED, SSE_STREAMS_ACTIVE

router = APIRouter(tags=["stream"])
log = structlog.get_logger(__name__)
tracer = trace.get_tracer("gateway")

STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
READ_COUNT = 200
MAX_ID_PART = 2**64 - 1


def stream_position(entry_id: str | bytes | None) -> tuple[int, int] | None:
    """Parse a Redis stream id into (milliseconds, sequence); None when it is not one."""
    if isinstance(entry_id, bytes):
        entry_id = entry_id.decode()
    if not entry_id or not STREAM_ID.match(entry_id):
        return None
    milliseconds, sequence = (int(part) for part in entry_id.split("-"))
    if milliseconds > MAX_ID_PART or sequence > MAX_ID_PART:
        return None
    return milliseconds, sequence


async def past_terminal(redis: RedisClient, job_id: str, cursor: str) -> bool:
    """Tell whether the client already has the stream's terminal event.

    The terminal marker contains the terminal entry's id, so a cursor at or
    after it (a resume after `end`, or an id from the future) can never get
    another event and the response ends at once.
    """
    terminal = stream_position(await redis.get(terminal_key(job_id)))
    position = stream_position(cursor)
    return terminal is not None and position is not None and position >= terminal


@router.get("/stream/{job_id}", response_class=EventSourceResponse)
async def stream(
    job_id: UUID,
    user_id: UserId,
    settings: Settings,
    pool: Pool,
    redis: RedisClient,
    queue: Queue,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Stream the job's events; `Last-Event-ID` resumes after the event it names."""
    if last_event_id is not None and stream_position(last_event_id) is None:
        raise HTTPException(
            status_code=400,
            detail="Last-Event-ID must be an event id this stream sent, like 1733312000000-0.",
        )
    run = await runs.get_run(pool, user_id, job_id)
    events = relay(run, last_event_id or "0-0", settings, pool, redis, queue)
    # The relay sends its own heartbeats, so the library's ping stays off.
    return EventSourceResponse(events, ping=3600, headers={"Cache-Control": "no-store"})


async def relay(
    run: runs.Run,
    cursor: str,
    settings: Settings,
    pool: Pool,
    redis: RedisClient,
    queue: Queue,
) -> AsyncIterator[ServerSentEvent]:
    """Yield stream entries after `cursor` until the terminal event.

    XREAD blocks for one heartbeat interval at a time. When nothing arrived,
    the relay sends a comment frame and checks that the job is still alive,
    so a stream whose worker died still ends with an error event.
    """
    key = stream_key(str(run.job_id))
    block_ms = int(settings.stream_heartbeat_seconds * 1000)
    job_id = str(run.job_id)
    request_span = trace.get_current_span()
    span = tracer.start_span(
        "relay job stream",
        context=context_from(run.traceparent),
        links=[Link(request_span.get_span_context())],
        attributes={"messaging.message.id": job_id, "sse.resumed": cursor != "0-0"},
    )
    SSE_STREAMS_ACTIVE.inc()
    log.debug("stream.opened", job_id=job_id, cursor=cursor)
    try:
        if await past_terminal(redis, job_id, cursor):
            return
        while True:
            try:
                reply = await redis.xread(
                    {key: cursor}, count=READ_COUNT, block=block_ms
                )
            except RedisError as exc:
                # Ending the response makes the browser reconnect with
                # Last-Event-ID, which resumes once Redis is back.
                log.warning("stream.redis_failed", job_id=job_id, error=str(exc))
                span.set_status(Status(StatusCode.ERROR, "redis read failed"))
                return
            if not reply:
                yield ServerSentEvent(comment="ping")
                if await past_terminal(redis, job_id, cursor):
                    return
                current = await runs.get_run_by_id(pool, run.job_id)
                if current is None:
                    return
                ending = await expired_stream_ending(pool, redis, current)
                if ending is not None:
                    yield ending
                    return
                await queue.end_if_abandoned(pool, current)
                continue
            entries: list = reply[0][1]  # type: ignore[index,assignment]
            for entry_id, fields in entries:
                cursor = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                event_type, data = decode_event(fields)
                yield ServerSentEvent(data=_json(data), event=event_type, id=cursor)
                SSE_EVENTS_RELAYED.labels(event_type).inc()
                if event_type in TERMINAL_EVENTS:
                    span.set_attribute("sse.terminal_event", event_type)
                    log.debug("stream.closed", job_id=job_id, event_type=event_type)
                    return
    finally:
        SSE_STREAMS_ACTIVE.dec()
        span.end()


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def expired_stream_ending(
    pool: Pool, redis: RedisClient, run: runs.Run
) -> ServerSentEvent | None:
    """Rebuild the terminal event of an ended job whose stream has expired."""
    if run.status not in ("succeeded", "failed"):
        return None
    if await redis.exists(stream_key(str(run.job_id))):
        return None
    if run.status == "failed":
        return ServerSentEvent(
            data=_json(
                {"message": "This reply failed. Please send your message again."}
            ),
            event=EventType.ERROR,
        )
    text = await runs.get_reply_text(pool, run.job_id)
    return ServerSentEvent(data=_json({"text": text or ""}), event=EventType.END)
