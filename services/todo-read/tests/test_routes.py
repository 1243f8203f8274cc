"""todo-read in process over rows written by the worker's PostgresStore."""

import uuid

import pytest
from fastapi.testclient import TestClient
from langgraph.store.postgres import PostgresStore
from todo_common.auth import issue_dev_token
from todo_common.memory import PROFILE, TODO, namespace
from todo_read.main import create_app
from todo_read.settings import TodoReadSettings

SECRET = "r" * 40


@pytest.fixture
def settings(database_url, redis_url) -> TodoReadSettings:
    return TodoReadSettings(
        database_url=database_url,
        redis_url=redis_url,
        auth_mode="dev",
        dev_token_secret=SECRET,
    )


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def store(database_url):
    with PostgresStore.from_conn_string(database_url) as pg_store:
        yield pg_store


def headers(settings: TodoReadSettings, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(settings, user)}"}


def new_user() -> str:
    return f"reader.{uuid.uuid4().hex[:8]}@example.com"


def put_todos(store, user: str, count: int, status: str = "not started") -> None:
    for i in range(count):
        value = {"task": f"Task {i:03d}", "status": status, "solutions": []}
        store.put(namespace(TODO, user), str(uuid.uuid4()), value)


def test_all_150_todos_returned_across_pages(client, settings, store):
    user = new_user()
    put_todos(store, user, 150)
    seen = []
    offset = 0
    while True:
        page = client.get(
            "/todos",
            params={"limit": 40, "offset": offset},
            headers=headers(settings, user),
        ).json()
        assert page["total"] == 150
        seen.extend(item["task"] for item in page["items"])
        offset += 40
        if offset >= page["total"]:
            break
    assert seen == [f"Task {i:03d}" for i in range(150)]


def test_default_page_returns_100_with_total(client, settings, store):
    user = new_user()
    put_todos(store, user, 150)
    page = client.get("/todos", headers=headers(settings, user)).json()
    assert len(page["items"]) == 100
    assert page["total"] == 150


def test_status_filter(client, settings, store):
    user = new_user()
    put_todos(store, user, 3)
    put_todos(store, user, 2, status="done")
    page = client.get(
        "/todos", params={"status": "done"}, headers=headers(settings, user)
    ).json()
    assert page["total"] == 2
    assert {item["status"] for item in page["items"]} == {"done"}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": 501}, "less than or equal to 500"),
        ({"offset": -1}, "greater than or equal to 0"),
        ({"status": "later"}, "not started"),
    ],
)
def test_todos_rejects_bad_query(client, settings, params, fragment):
    response = client.get(
        "/todos", params=params, headers=headers(settings, new_user())
    )
    assert response.status_code == 422
    assert fragment in response.text


def test_todos_of_other_users_hidden(client, settings, store):
    owner, other = new_user(), new_user()
    put_todos(store, owner, 2)
    assert client.get("/todos", headers=headers(settings, other)).json()["total"] == 0


def test_profile_empty_then_stored(client, settings, store):
    user = new_user()
    assert (
        client.get("/profile", headers=headers(settings, user)).json()["name"] is None
    )
    store.put(namespace(PROFILE, user), "main", {"name": "Sam", "location": "Lyon"})
    profile = client.get("/profile", headers=headers(settings, user)).json()
    assert profile["name"] == "Sam"
    assert profile["location"] == "Lyon"
    assert profile["connections"] == []


def test_messages_of_unknown_thread_answer_404(client, settings):
    response = client.get(
        f"/threads/{uuid.uuid4()}/messages", headers=headers(settings, new_user())
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Thread not found"}


def test_requests_without_token_answer_401(client):
    for path in ("/todos", "/profile", "/instructions", "/threads"):
        assert client.get(path).status_code == 401
