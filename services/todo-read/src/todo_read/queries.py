"""SQL over the store rows that the worker's PostgresStore writes, and the app tables.

The store's `prefix` column contains the namespace joined with '.', which
`todo_common.memory.store_prefix` computes. Paging is by offset over a stable
order (creation time, then key), and every response carries the total, so a
client can tell when there is more.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from todo_common.memory import INSTRUCTIONS, MAIN_KEY, PROFILE, TODO, store_prefix

COUNT_TODOS = """
SELECT count(*) AS total FROM store
WHERE prefix = %(prefix)s AND (%(status)s::text IS NULL OR value->>'status' = %(status)s)
"""
SELECT_TODOS = """
SELECT key, value, created_at, updated_at FROM store
WHERE prefix = %(prefix)s AND (%(status)s::text IS NULL OR value->>'status' = %(status)s)
ORDER BY created_at, key
LIMIT %(limit)s OFFSET %(offset)s
"""
SELECT_ITEM = """
SELECT value, updated_at FROM store WHERE prefix = %s AND key = %s
"""
COUNT_THREADS = "SELECT count(*) AS total FROM threads WHERE user_id = %s"
SELECT_THREADS = """
SELECT thread_id, title, created_at, updated_at FROM threads
WHERE user_id = %s
ORDER BY updated_at DESC, thread_id
LIMIT %s OFFSET %s
"""
SELECT_THREAD_OWNER = "SELECT 1 FROM threads WHERE thread_id = %s AND user_id = %s"
SELECT_MESSAGES = """
SELECT role, content, created_at FROM messages WHERE thread_id = %s ORDER BY id
"""


async def todo_page(
    pool: AsyncConnectionPool, user_id: str, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    params = {
        "prefix": store_prefix(TODO, user_id),
        "status": status,
        "limit": limit,
        "offset": offset,
    }
    async with pool.connection() as conn:
        cursor = conn.cursor(row_factory=dict_row)
        await cursor.execute(COUNT_TODOS, params)
        total = (await cursor.fetchone())["total"]  # type: ignore[index]
        await cursor.execute(SELECT_TODOS, params)
        rows = await cursor.fetchall()
    return rows, total


async def main_item(
    pool: AsyncConnectionPool, kind: str, user_id: str
) -> tuple[dict[str, Any], datetime] | None:
    """Load the single item of the profile or instructions namespace."""
    if kind not in (PROFILE, INSTRUCTIONS):
        raise ValueError(f"{kind!r} has no main item")
    async with pool.connection() as conn:
        cursor = await conn.execute(
            SELECT_ITEM, (store_prefix(kind, user_id), MAIN_KEY)
        )
        row = await cursor.fetchone()
    return (row[0], row[1]) if row else None


async def thread_page(
    pool: AsyncConnectionPool, user_id: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    async with pool.connection() as conn:
        cursor = conn.cursor(row_factory=dict_row)
        await cursor.execute(COUNT_THREADS, (user_id,))
        total = (await cursor.fetchone())["total"]  # type: ignore[index]
        await cursor.execute(SELECT_THREADS, (user_id, limit, offset))
        rows = await cursor.fetchall()
    return rows, total


async def thread_messages(
    pool: AsyncConnectionPool, user_id: str, thread_id: UUID
) -> list[dict[str, Any]] | None:
    """Load a thread's messages, or None when the thread is not the user's."""
    async with pool.connection() as conn:
        owner = await (
            await conn.execute(SELECT_THREAD_OWNER, (thread_id, user_id))
        ).fetchone()
        if owner is None:
            return None
        cursor = conn.cursor(row_factory=dict_row)
        await cursor.execute(SELECT_MESSAGES, (thread_id,))
        return await cursor.fetchall()
