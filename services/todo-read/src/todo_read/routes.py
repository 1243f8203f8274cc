"""The caller's to-dos, profile, instructions and threads."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from todo_common.memory import INSTRUCTIONS, PROFILE, Profile, Todo, TodoStatus

from todo_read import queries
from todo_read.deps import Pool, UserId
from todo_read.models import (
    InstructionsOut,
    MessageList,
    MessageOut,
    ProfileOut,
    ThreadOut,
    ThreadPage,
    TodoOut,
    TodoPage,
)

router = APIRouter()

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")]


@router.get("/todos", tags=["memory"])
async def list_todos(
    user_id: UserId,
    pool: Pool,
    status: TodoStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> TodoPage:
    """List the caller's to-dos, oldest first; `total` counts every page."""
    rows, total = await queries.todo_page(pool, user_id, status, limit, offset)
    items = [
        TodoOut(
            id=row["key"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            **Todo.model_validate(row["value"]).model_dump(),
        )
        for row in rows
    ]
    return TodoPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/profile", tags=["memory"])
async def get_profile(user_id: UserId, pool: Pool) -> ProfileOut:
    """Show what the assistant remembers about the caller."""
    found = await queries.main_item(pool, PROFILE, user_id)
    if found is None:
        return ProfileOut()
    value, updated_at = found
    return ProfileOut(
        **Profile.model_validate(value).model_dump(), updated_at=updated_at
    )


@router.get("/instructions", tags=["memory"])
async def get_instructions(user_id: UserId, pool: Pool) -> InstructionsOut:
    """Show how the caller wants to-dos written."""
    found = await queries.main_item(pool, INSTRUCTIONS, user_id)
    if found is None:
        return InstructionsOut()
    value, updated_at = found
    return InstructionsOut(text=value.get("text"), updated_at=updated_at)


@router.get("/threads", tags=["threads"])
async def list_threads(
    user_id: UserId, pool: Pool, limit: Limit = 50, offset: Offset = 0
) -> ThreadPage:
    """List the caller's threads, most recently active first."""
    rows, total = await queries.thread_page(pool, user_id, limit, offset)
    return ThreadPage(
        items=[ThreadOut(**row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/threads/{thread_id}/messages", tags=["threads"])
async def list_messages(thread_id: UUID, user_id: UserId, pool: Pool) -> MessageList:
    """List a thread's messages, oldest first."""
    rows = await queries.thread_messages(pool, user_id, thread_id)
    if rows is None:
        raise HTTPException(status_code=404, detail="Thread not found")
    return MessageList(items=[MessageOut(**row) for row in rows])
