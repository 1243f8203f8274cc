"""Threads, runs and messages in PostgreSQL, as the gateway writes and reads them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

import psycopg
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool
from todo_common.telemetry import current_trace_headers

from gateway.errors import NotFoundError, ThreadBusyError

TITLE_CHARS = 80

RunStatus = Literal["queued", "running", "succeeded", "failed"]

INSERT_THREAD = """
INSERT INTO threads (thread_id, user_id, title) VALUES (%s, %s, %s)
"""
TOUCH_THREAD = """
UPDATE threads SET updated_at = now() WHERE thread_id = %s AND user_id = %s
RETURNING thread_id
"""
INSERT_RUN = """
INSERT INTO runs (job_id, thread_id, user_id, status, traceparent)
VALUES (%s, %s, %s, 'queued', %s)
"""
INSERT_USER_MESSAGE = """
INSERT INTO messages (thread_id, job_id, role, content) VALUES (%s, %s, 'user', %s)
"""
SELECT_RUN = """
SELECT job_id, thread_id, status, started_at, created_at, traceparent FROM runs
WHERE job_id = %s AND user_id = %s
"""
SELECT_ACTIVE_RUN = """
SELECT job_id, thread_id, status, started_at, created_at, traceparent FROM runs
WHERE thread_id = %s AND status IN ('queued', 'running')
"""
FAIL_RUN = """
UPDATE runs SET status = 'failed', error = %s, finished_at = now()
WHERE job_id = %s AND status IN ('queued', 'running')
RETURNING job_id
"""

ONE_ACTIVE_RUN_INDEX = "runs_one_active_per_thread"


@dataclass(frozen=True)
class Run:
    job_id: UUID
    thread_id: UUID
    status: RunStatus
    started_at: datetime | None
    created_at: datetime
    traceparent: str | None


def traceparent() -> str | None:
    """Return the W3C context of the current span (the chat request's)."""
    return current_trace_headers().get("traceparent")


def thread_title(message: str) -> str:
    """Title a thread after its first message, on one line."""
    line = " ".join(message.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


async def create_thread_run(
    pool: AsyncConnectionPool, user_id: str, thread_id: UUID, job_id: UUID, message: str
) -> None:
    """Record a new thread with its first run and message, in one transaction."""
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(INSERT_THREAD, (thread_id, user_id, thread_title(message)))
        await conn.execute(INSERT_RUN, (job_id, thread_id, user_id, traceparent()))
        await conn.execute(INSERT_USER_MESSAGE, (thread_id, job_id, message))


async def add_run(
    pool: AsyncConnectionPool, user_id: str, thread_id: UUID, job_id: UUID, message: str
) -> None:
    """Record a run and its message in the user's thread.

    Raises NotFoundError when the thread is not the user's, and ThreadBusyError
    when the thread already has a run queued or running.
    """
    try:
        async with pool.connection() as conn, conn.transaction():
            cursor = await conn.execute(TOUCH_THREAD, (thread_id, user_id))
            if await cursor.fetchone() is None:
                raise NotFoundError("Thread")
            await conn.execute(INSERT_RUN, (job_id, thread_id, user_id, traceparent()))
            await conn.execute(INSERT_USER_MESSAGE, (thread_id, job_id, message))
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name == ONE_ACTIVE_RUN_INDEX:
            raise ThreadBusyError from exc
        raise


async def get_run(pool: AsyncConnectionPool, user_id: str, job_id: UUID) -> Run:
    """Load the user's run, or raise NotFoundError."""
    async with pool.connection() as conn:
        cursor = conn.cursor(row_factory=class_row(Run))
        await cursor.execute(SELECT_RUN, (job_id, user_id))
        run = await cursor.fetchone()
    if run is None:
        raise NotFoundError("Job")
    return run


async def get_active_run(pool: AsyncConnectionPool, thread_id: UUID) -> Run | None:
    """Load the thread's run that is queued or running, if there is one."""
    async with pool.connection() as conn:
        cursor = conn.cursor(row_factory=class_row(Run))
        await cursor.execute(SELECT_ACTIVE_RUN, (thread_id,))
        return await cursor.fetchone()


async def fail_run(pool: AsyncConnectionPool, job_id: UUID, reason: str) -> bool:
    """Mark a queued or running run failed; return whether this call changed it."""
    async with pool.connection() as conn:
        cursor = await conn.execute(FAIL_RUN, (reason, job_id))
        return await cursor.fetchone() is not None


SELECT_RUN_BY_ID = """
SELECT job_id, thread_id, status, started_at, created_at, traceparent FROM runs WHERE job_id = %s
"""


async def get_run_by_id(pool: AsyncConnectionPool, job_id: UUID) -> Run | None:
    """Load a run without an owner check, for the relay's liveness check."""
    async with pool.connection() as conn:
        cursor = conn.cursor(row_factory=class_row(Run))
        await cursor.execute(SELECT_RUN_BY_ID, (job_id,))
        return await cursor.fetchone()


SELECT_REPLY = """
SELECT content FROM messages WHERE job_id = %s AND role = 'assistant' ORDER BY id DESC LIMIT 1
"""


async def get_reply_text(pool: AsyncConnectionPool, job_id: UUID) -> str | None:
    """Load the assistant's stored reply to a job."""
    async with pool.connection() as conn:
        cursor = await conn.execute(SELECT_REPLY, (job_id,))
        row = await cursor.fetchone()
    return row[0] if row else None
