"""End-to-end chat over HTTP and SSE against the running services."""

from datetime import date, datetime

import httpx
import pytest
import redis
from chat_client import auth, chat, next_friday, post_chat, read_events, todos

pytestmark = pytest.mark.e2e


def test_new_chat_creates_todo(system):
    token = system.token("alice-e2e")
    response = httpx.post(
        f"{system.gateway}/chat/new",
        json={"message": "Remind me to book swim lessons for my daughter by Friday"},
        headers=auth(token),
    )
    assert response.status_code == 202, response.text
    body = response.json()
    events = read_events(system, token, body["job_id"])
    kinds = [kind for _, kind, _ in events]
    assert kinds[0] == "start"
    assert kinds[-1] == "end"
    assert kinds.count("token") >= 2
    assert "memory" in kinds
    todos = httpx.get(f"{system.todo_read}/todos", headers=auth(token)).json()
    assert todos["total"] == 1
    todo = todos["items"][0]
    assert "swim lessons" in todo["task"].lower()
    assert datetime.fromisoformat(todo["deadline"]).date() == next_friday(date.today())


def test_continued_chat_marks_todo_done(system):
    token = system.token("bob-e2e")
    first, _ = chat(system, token, "Remind me to renew my passport by next Monday")
    body, events = chat(
        system, token, "I finished renewing the passport", first["thread_id"]
    )
    assert body["thread_id"] == first["thread_id"]
    memory = [data for _, kind, data in events if kind == "memory"]
    assert [m["action"] for m in memory] == ["updated"]
    items = todos(system, token)["items"]
    assert len(items) == 1
    assert items[0]["status"] == "done"
    status = httpx.get(
        f"{system.gateway}/jobs/{body['job_id']}", headers=auth(token)
    ).json()
    assert status == {
        "job_id": body["job_id"],
        "thread_id": first["thread_id"],
        "status": "succeeded",
    }


def test_twelve_todos_all_returned(system):
    if system.llm is None:
        pytest.skip("needs the scripted model server's controls")
    token = system.token("carol-e2e")
    decision = {
        "todos": [
            {
                "ref": None,
                "task": f"Errand number {i}",
                "status": "not started",
                "deadline": None,
                "time_to_complete": 10 + i,
                "solutions": [],
            }
            for i in range(12)
        ],
        "profile": None,
        "instructions": None,
    }
    httpx.post(
        f"{system.llm}/_script", json={"decisions": [decision]}
    ).raise_for_status()
    _, events = chat(system, token, "Please save my errand list: errand number 0 to 11")
    assert sum(1 for _, kind, _ in events if kind == "memory") == 12
    page = todos(system, token)
    assert page["total"] == 12
    assert sorted(item["task"] for item in page["items"]) == sorted(
        f"Errand number {i}" for i in range(12)
    )
    first_page = todos(system, token, limit=5, offset=0)
    rest = todos(system, token, limit=10, offset=5)
    assert len(first_page["items"]) == 5
    assert len(rest["items"]) == 7
    ids = {item["id"] for item in first_page["items"] + rest["items"]}
    assert len(ids) == 12


def test_other_user_gets_404(system):
    owner = system.token("dana-e2e")
    intruder = system.token("eve-e2e")
    body, _ = chat(system, owner, "Remind me to water the plants tomorrow")
    job_id, thread_id = body["job_id"], body["thread_id"]
    intruder_headers = auth(intruder)
    resume = post_chat(
        system, intruder, "/chat/continue", {"thread_id": thread_id, "message": "hi"}
    )
    assert resume.status_code == 404
    assert resume.json() == {"detail": "Thread not found"}
    assert (
        httpx.get(
            f"{system.gateway}/jobs/{job_id}", headers=intruder_headers
        ).status_code
        == 404
    )
    assert (
        httpx.get(
            f"{system.gateway}/stream/{job_id}", headers=intruder_headers
        ).status_code
        == 404
    )
    messages = httpx.get(
        f"{system.todo_read}/threads/{thread_id}/messages", headers=intruder_headers
    )
    assert messages.status_code == 404
    assert todos(system, intruder)["total"] == 0
    threads = httpx.get(f"{system.todo_read}/threads", headers=intruder_headers).json()
    assert threads["total"] == 0
    assert todos(system, owner)["total"] == 1


def test_last_event_id_resumes_after_it(system):
    token = system.token("frank-e2e")
    body, events = chat(system, token, "Remind me to call the dentist by Friday")
    assert len(events) >= 4
    cut = 2
    resumed = read_events(
        system, token, body["job_id"], last_event_id=events[cut - 1][0]
    )
    assert resumed == events[cut:]


def test_thread_messages_recorded(system):
    token = system.token("gina-e2e")
    body, events = chat(system, token, "Remind me to buy stamps tonight")
    reply = events[-1][2]["text"]
    listed = httpx.get(f"{system.todo_read}/threads", headers=auth(token)).json()
    assert [t["thread_id"] for t in listed["items"]] == [body["thread_id"]]
    messages = httpx.get(
        f"{system.todo_read}/threads/{body['thread_id']}/messages", headers=auth(token)
    ).json()["items"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "Remind me to buy stamps tonight"),
        ("assistant", reply),
    ]
    tokens = "".join(data["text"] for _, kind, data in events if kind == "token")
    assert tokens == reply


def test_stream_response_ends_cleanly(system):
    token = system.token("hank-e2e")
    body, events = chat(system, token, "Remind me to oil the hinges tomorrow")
    # Reading the whole body fails if the server drops the connection
    # instead of finishing the chunked response after the terminal event.
    response = httpx.get(
        f"{system.gateway}/stream/{body['job_id']}", headers=auth(token), timeout=30
    )
    assert response.status_code == 200
    assert response.text.rstrip().endswith('"}')
    assert f"id: {events[-1][0]}" in response.text
    assert "event: end" in response.text


def test_expired_stream_answered_from_database(system):
    if system.stack is None:
        pytest.skip("deletes a stream key in the system's Redis")
    token = system.token("iris-e2e")
    body, events = chat(system, token, "Remind me to sharpen the knives tomorrow")
    client = redis.Redis.from_url(system.stack.env["REDIS_URL"])
    client.delete(f"job:{body['job_id']}:stream")
    client.close()
    replayed = read_events(system, token, body["job_id"])
    assert [(kind, data) for _, kind, data in replayed] == [("end", events[-1][2])]
