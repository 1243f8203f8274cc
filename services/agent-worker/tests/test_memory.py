"""MemoryWriter applies decisions to a store: create, update by ref, merge, reject."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from agent_worker.deadlines import DeadlineResolver
from agent_worker.decision import MemoryDecision, ProfileChange, TodoChange
from agent_worker.memory import MemoryWriter, load_memory
from langgraph.store.memory import InMemoryStore
from todo_common.memory import TODO, namespace

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("UTC"))
USER = "a.user@example.com"


@pytest.fixture(scope="module")
def resolver() -> DeadlineResolver:
    return DeadlineResolver()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


def change(
    task: str, ref: str | None = None, status: str = "not started", deadline=None
):
    return TodoChange(
        ref=ref,
        task=task,
        status=status,
        deadline=deadline,
        time_to_complete=None,
        solutions=[],
    )


def decision(*todos, profile=None, instructions=None) -> MemoryDecision:
    return MemoryDecision(todos=list(todos), profile=profile, instructions=instructions)


def apply(store, resolver, made: MemoryDecision, message: str):
    snapshot = load_memory(store, USER)
    shown = snapshot.prompt_todos(40)
    return MemoryWriter(store, resolver).apply(
        USER, made, snapshot, shown, message, NOW
    )


def test_new_todo_created_with_resolved_deadline(store, resolver):
    message = "Remind me to book swim lessons by Friday"
    events = apply(
        store,
        resolver,
        decision(change("Book swim lessons", deadline="by Friday")),
        message,
    )
    assert [(e.kind, e.action) for e in events] == [("todo", "created")]
    (item,) = load_memory(store, USER).todos
    assert item.todo.task == "Book swim lessons"
    assert item.todo.deadline.isoformat() == "2026-12-11T23:59:00+00:00"


def test_ref_updates_existing_todo(store, resolver):
    apply(
        store,
        resolver,
        decision(change("Book swim lessons")),
        "remind me to book swim lessons",
    )
    events = apply(
        store,
        resolver,
        decision(change("Book swim lessons", ref="1", status="done")),
        "done",
    )
    assert [(e.kind, e.action) for e in events] == [("todo", "updated")]
    (item,) = load_memory(store, USER).todos
    assert item.todo.status == "done"


def test_same_task_without_ref_updates_instead_of_duplicating(store, resolver):
    apply(store, resolver, decision(change("Call the plumber")), "call the plumber")
    events = apply(
        store,
        resolver,
        decision(change("call the plumber", deadline="tomorrow")),
        "call the plumber tomorrow",
    )
    assert [e.action for e in events] == ["updated"]
    assert len(load_memory(store, USER).todos) == 1


def test_ungrounded_todo_rejected(store, resolver):
    events = apply(store, resolver, decision(change("Buy a yacht")), "My name is Sam")
    assert events == []
    assert load_memory(store, USER).todos == []


def test_unchanged_todo_reports_nothing(store, resolver):
    apply(store, resolver, decision(change("Water plants")), "water plants")
    assert (
        apply(
            store, resolver, decision(change("Water plants", ref="1")), "water plants"
        )
        == []
    )


def test_profile_merged(store, resolver):
    first = ProfileChange(
        name="Sam", location=None, job=None, connections=["Mia"], interests=[]
    )
    apply(store, resolver, decision(profile=first), "I am Sam")
    second = ProfileChange(
        name=None, location="Lyon", job=None, connections=["mia", "Leo"], interests=[]
    )
    events = apply(store, resolver, decision(profile=second), "I live in Lyon")
    assert [(e.kind, e.action) for e in events] == [("profile", "updated")]
    profile = load_memory(store, USER).profile
    assert profile.name == "Sam"
    assert profile.location == "Lyon"
    assert profile.connections == ["Mia", "Leo"]


def test_instructions_stored_once(store, resolver):
    made = decision(instructions="Always add a time estimate")
    assert [e.kind for e in apply(store, resolver, made, "always add estimates")] == [
        "instructions"
    ]
    assert apply(store, resolver, made, "always add estimates") == []


def test_load_memory_reads_past_first_page(store, resolver):
    for i in range(150):
        store.put(
            namespace(TODO, USER),
            f"id-{i}",
            {"task": f"Task {i}", "status": "not started"},
        )
    assert len(load_memory(store, USER).todos) == 150
