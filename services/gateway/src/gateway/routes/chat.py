"""Starting and continuing chats, and the status of their jobs."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import structlog
from fastapi import APIRouter, HTTPException, status
from todo_common.jobs import ChatJob

from gateway import runs
from gateway.deps import Pool, Queue, Settings, UserId
from gateway.errors import ThreadBusyError
from gateway.metrics import JOBS_ENQUEUED
from gateway.models import (
    ChatAccepted,
    ChatMessage,
    ContinueChat,
    JobStatusResponse,
    NewChat,
)

router = APIRouter(tags=["chat"])
log = structlog.get_logger(__name__)


def check_length(body: ChatMessage, settings: Settings) -> None:
    if len(body.message) > settings.max_message_chars:
        raise HTTPException(
            status_code=422,
            detail=(
                f"message is {len(body.message)} characters long; "
                f"the limit is {settings.max_message_chars}"
            ),
        )


async def enqueue(
    queue: Queue,
    pool: Pool,
    user_id: str,
    thread_id: UUID,
    job_id: UUID,
    body: ChatMessage,
    kind: str,
) -> ChatAccepted:
    job = ChatJob(
        job_id=job_id,
        thread_id=thread_id,
        user_id=user_id,
        message=body.message,
        timezone=body.timezone,
        enqueued_at=datetime.now(UTC),
    )
    try:
        await queue.enqueue(job)
    except Exception:
        await runs.fail_run(pool, job_id, "enqueue failed")
        raise
    JOBS_ENQUEUED.labels(kind).inc()
    log.info("job.enqueued", job_id=str(job_id), thread_id=str(thread_id), kind=kind)
    return ChatAccepted(
        job_id=job_id, thread_id=thread_id, stream_url=f"/stream/{job_id}"
    )


@router.post("/chat/new", status_code=status.HTTP_202_ACCEPTED)
async def new_chat(
    body: NewChat, user_id: UserId, settings: Settings, pool: Pool, queue: Queue
) -> ChatAccepted:
    """Start a thread with a first message; the reply streams from `stream_url`."""
    check_length(body, settings)
    thread_id, job_id = uuid4(), uuid4()
    await runs.create_thread_run(pool, user_id, thread_id, job_id, body.message)
    return await enqueue(queue, pool, user_id, thread_id, job_id, body, "new")


@router.post("/chat/continue", status_code=status.HTTP_202_ACCEPTED)
async def continue_chat(
    body: ContinueChat, user_id: UserId, settings: Settings, pool: Pool, queue: Queue
) -> ChatAccepted:
    """Send the next message in one of the caller's threads."""
    check_length(body, settings)
    job_id = uuid4()
    try:
        await runs.add_run(pool, user_id, body.thread_id, job_id, body.message)
    except ThreadBusyError:
        # A run whose worker died would block the thread for good; end it and retry once.
        active = await runs.get_active_run(pool, body.thread_id)
        if active is None or not await queue.end_if_abandoned(pool, active):
            raise
        await runs.add_run(pool, user_id, body.thread_id, job_id, body.message)
    return await enqueue(queue, pool, user_id, body.thread_id, job_id, body, "continue")


@router.get("/jobs/{job_id}")
async def job_status(job_id: UUID, user_id: UserId, pool: Pool) -> JobStatusResponse:
    """Report whether the job is queued, running, or ended."""
    run = await runs.get_run(pool, user_id, job_id)
    return JobStatusResponse(
        job_id=run.job_id, thread_id=run.thread_id, status=run.status
    )
