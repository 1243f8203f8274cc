"""Response bodies of todo-read."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel
from todo_common.memory import TodoStatus


class TodoOut(BaseModel):
    id: str
    task: str
    status: TodoStatus
    deadline: datetime | None
    time_to_complete: int | None
    solutions: list[str]
    created_at: datetime
    updated_at: datetime


class TodoPage(BaseModel):
    items: list[TodoOut]
    total: int
    limit: int
    offset: int


class ProfileOut(BaseModel):
    name: str | None = None
    location: str | None = None
    job: str | None = None
    connections: list[str] = []
    interests: list[str] = []
    updated_at: datetime | None = None


class InstructionsOut(BaseModel):
    text: str | None = None
    updated_at: datetime | None = None


class ThreadOut(BaseModel):
    thread_id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ThreadPage(BaseModel):
    items: list[ThreadOut]
    total: int
    limit: int
    offset: int


class MessageOut(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    created_at: datetime


class MessageList(BaseModel):
    items: list[MessageOut]
