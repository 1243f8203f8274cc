"""The worker's updates to the `runs` and `messages` tables."""

from uuid import UUID

from psycopg_pool import ConnectionPool

MARK_RUNNING = """
UPDATE runs SET status = 'running', started_at = now(), attempts = attempts + 1
WHERE job_id = %s AND status = 'queued'
RETURNING attempts
"""
INSERT_REPLY = """
INSERT INTO messages (thread_id, job_id, role, content) VALUES (%s, %s, 'assistant', %s)
"""
MARK_SUCCEEDED = """
UPDATE runs SET status = 'succeeded', finished_at = now() WHERE job_id = %s
"""
TOUCH_THREAD = "UPDATE threads SET updated_at = now() WHERE thread_id = %s"
MARK_FAILED = """
UPDATE runs SET status = 'failed', error = %s, finished_at = now()
WHERE job_id = %s AND status IN ('queued', 'running')
RETURNING thread_id
"""


def mark_running(pool: ConnectionPool, job_id: UUID) -> int | None:
    """Claim a queued run and return its attempt number; None means it already ran or ended."""
    with pool.connection() as conn:
        row = conn.execute(MARK_RUNNING, (job_id,)).fetchone()
    if row is None:
        return None
    return row["attempts"] if isinstance(row, dict) else row[0]


def record_reply(
    pool: ConnectionPool, job_id: UUID, thread_id: UUID, text: str
) -> None:
    """Store the reply and mark the run succeeded, in one transaction."""
    with pool.connection() as conn, conn.transaction():
        conn.execute(INSERT_REPLY, (thread_id, job_id, text))
        conn.execute(MARK_SUCCEEDED, (job_id,))
        conn.execute(TOUCH_THREAD, (thread_id,))


def mark_failed(pool: ConnectionPool, job_id: UUID, reason: str) -> bool:
    """Mark a queued or running run failed; return whether this call changed it."""
    with pool.connection() as conn:
        return conn.execute(MARK_FAILED, (reason, job_id)).fetchone() is not None
