"""Reading and writing one user's long-term memory in LangGraph's store."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import structlog
from langgraph.store.base import BaseStore
from todo_common.events import MemoryData
from todo_common.memory import (
    INSTRUCTIONS,
    MAIN_KEY,
    PROFILE,
    TODO,
    Instructions,
    Profile,
    Todo,
    namespace,
)

from agent_worker.deadlines import DeadlineResolver
from agent_worker.decision import MemoryDecision, ProfileChange, TodoChange
from agent_worker.telemetry import tracer

log = structlog.get_logger(__name__)

# BaseStore.search returns 10 items unless given a limit, so reads page by this size.
PAGE_SIZE = 100
WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "to",
        "of",
        "for",
        "my",
        "me",
        "i",
        "in",
        "on",
        "at",
        "by",
        "is",
        "it",
        "be",
        "do",
        "need",
        "remind",
        "please",
        "task",
        "todo",
        "with",
        "from",
        "this",
        "that",
    ]
)


@dataclass(frozen=True)
class StoredTodo:
    id: str
    todo: Todo
    updated_at: datetime


@dataclass
class MemorySnapshot:
    """One user's memory, read at the start of a turn."""

    todos: list[StoredTodo]
    profile: Profile | None
    instructions: Instructions | None

    def prompt_todos(self, limit: int) -> list[StoredTodo]:
        """Pick the to-dos shown to the model, numbered from 1 in this order.

        A small model's context cannot hold hundreds of to-dos, so archived ones
        are left out and only the `limit` most recently updated are kept.
        """
        active = [item for item in self.todos if item.todo.status != "archived"]
        active.sort(key=lambda item: item.updated_at, reverse=True)
        return active[:limit]


def todo_line(ref: int, item: StoredTodo) -> str:
    deadline = (
        item.todo.deadline.strftime("due %a %d %b %Y")
        if item.todo.deadline
        else "no deadline"
    )
    return f"{ref}. {item.todo.task} [{item.todo.status}, {deadline}]"


def load_memory(store: BaseStore, user_id: str) -> MemorySnapshot:
    """Read every to-do, the profile and the instructions of one user."""
    with tracer.start_as_current_span("memory.load") as span:
        snapshot = read_memory(store, user_id)
        span.set_attribute("memory.todo_count", len(snapshot.todos))
        return snapshot


def read_memory(store: BaseStore, user_id: str) -> MemorySnapshot:
    todos: list[StoredTodo] = []
    offset = 0
    while True:
        page = store.search(namespace(TODO, user_id), limit=PAGE_SIZE, offset=offset)
        for item in page:
            todos.append(
                StoredTodo(item.key, Todo.model_validate(item.value), item.updated_at)
            )
        if len(page) < PAGE_SIZE:
            break
        offset += PAGE_SIZE
    profile_item = store.get(namespace(PROFILE, user_id), MAIN_KEY)
    instructions_item = store.get(namespace(INSTRUCTIONS, user_id), MAIN_KEY)
    return MemorySnapshot(
        todos=todos,
        profile=Profile.model_validate(profile_item.value) if profile_item else None,
        instructions=Instructions.model_validate(instructions_item.value)
        if instructions_item
        else None,
    )


def content_words(text: str) -> set[str]:
    return {word for word in WORD.findall(text.lower()) if word not in STOP_WORDS}


class MemoryWriter:
    """Apply a model's decision to the store and describe each change."""

    def __init__(self, store: BaseStore, resolver: DeadlineResolver) -> None:
        self._store = store
        self._resolver = resolver

    def apply(
        self,
        user_id: str,
        decision: MemoryDecision,
        snapshot: MemorySnapshot,
        shown: list[StoredTodo],
        message: str,
        now: datetime,
    ) -> list[MemoryData]:
        with tracer.start_as_current_span("memory.write") as span:
            changes = self._apply(user_id, decision, snapshot, shown, message, now)
            span.set_attribute("memory.changes", len(changes))
            return changes

    def _apply(
        self,
        user_id: str,
        decision: MemoryDecision,
        snapshot: MemorySnapshot,
        shown: list[StoredTodo],
        message: str,
        now: datetime,
    ) -> list[MemoryData]:
        changes: list[MemoryData] = []
        for change in decision.todos:
            event = self._apply_todo(user_id, change, snapshot, shown, message, now)
            if event is not None:
                changes.append(event)
        if decision.profile is not None:
            event = self._apply_profile(user_id, decision.profile, snapshot.profile)
            if event is not None:
                changes.append(event)
        if decision.instructions and decision.instructions.strip():
            event = self._apply_instructions(
                user_id, decision.instructions.strip(), snapshot
            )
            if event is not None:
                changes.append(event)
        return changes

    def _apply_todo(
        self,
        user_id: str,
        change: TodoChange,
        snapshot: MemorySnapshot,
        shown: list[StoredTodo],
        message: str,
        now: datetime,
    ) -> MemoryData | None:
        target = self._find_target(change, snapshot, shown)
        deadline = self._resolver.resolve(change.deadline, now)
        if target is None:
            task = change.task.strip()
            # A small model sometimes invents a to-do the message never mentioned;
            # a new to-do must share a content word with the message.
            if not task or not content_words(task) & content_words(message):
                log.info("memory.todo_rejected", reason="not grounded in the message")
                return None
            todo = Todo(
                task=task,
                status=change.status,
                deadline=deadline,
                time_to_complete=change.time_to_complete,
                solutions=[s for s in change.solutions if s.strip()],
            )
            todo_id = str(uuid.uuid4())
            self._store.put(
                namespace(TODO, user_id), todo_id, todo.model_dump(mode="json")
            )
            return MemoryData(
                kind="todo", action="created", id=todo_id, summary=describe(todo)
            )
        current = target.todo
        updated = current.model_copy(
            update={
                "task": change.task.strip() or current.task,
                "status": change.status,
                "deadline": deadline or current.deadline,
                "time_to_complete": change.time_to_complete
                if change.time_to_complete is not None
                else current.time_to_complete,
                "solutions": [s for s in change.solutions if s.strip()]
                or current.solutions,
            }
        )
        if updated == current:
            return None
        self._store.put(
            namespace(TODO, user_id), target.id, updated.model_dump(mode="json")
        )
        return MemoryData(
            kind="todo", action="updated", id=target.id, summary=describe(updated)
        )

    @staticmethod
    def _find_target(
        change: TodoChange, snapshot: MemorySnapshot, shown: list[StoredTodo]
    ) -> StoredTodo | None:
        """Find the existing to-do a change is about: by ref, else by the same task words."""
        if change.ref is not None:
            ref = change.ref.strip().lstrip("#")
            if ref.isdigit() and 1 <= int(ref) <= len(shown):
                return shown[int(ref) - 1]
        words = content_words(change.task)
        if not words:
            return None
        for item in snapshot.todos:
            if content_words(item.todo.task) == words:
                return item
        return None

    def _apply_profile(
        self, user_id: str, change: ProfileChange, current: Profile | None
    ) -> MemoryData | None:
        base = current or Profile()
        merged = Profile(
            name=change.name or base.name,
            location=change.location or base.location,
            job=change.job or base.job,
            connections=merge_lists(base.connections, change.connections),
            interests=merge_lists(base.interests, change.interests),
        )
        if merged == base:
            return None
        self._store.put(
            namespace(PROFILE, user_id), MAIN_KEY, merged.model_dump(mode="json")
        )
        facts = merged.model_dump(exclude_none=True, exclude_defaults=True)
        summary = "Profile: " + ", ".join(f"{k} {v}" for k, v in facts.items())
        action: Literal["created", "updated"] = "updated" if current else "created"
        return MemoryData(kind="profile", action=action, id=None, summary=summary[:200])

    def _apply_instructions(
        self, user_id: str, text: str, snapshot: MemorySnapshot
    ) -> MemoryData | None:
        if snapshot.instructions and snapshot.instructions.text == text:
            return None
        value = Instructions(text=text).model_dump(mode="json")
        self._store.put(namespace(INSTRUCTIONS, user_id), MAIN_KEY, value)
        action: Literal["created", "updated"] = (
            "updated" if snapshot.instructions else "created"
        )
        return MemoryData(
            kind="instructions", action=action, id=None, summary=text[:200]
        )


def merge_lists(old: list[str], new: list[str]) -> list[str]:
    seen = {value.casefold() for value in old}
    merged = list(old)
    for value in new:
        if value.strip() and value.casefold() not in seen:
            merged.append(value.strip())
            seen.add(value.casefold())
    return merged


def describe(todo: Todo) -> str:
    """Summarise a to-do in one line for memory events and the reply prompt."""
    parts = [todo.task, todo.status]
    if todo.deadline:
        parts.append("due " + todo.deadline.strftime("%A %d %B %Y %H:%M"))
    return "; ".join(parts)[:200]
