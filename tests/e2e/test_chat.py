"""End-to-end chat over HTTP and SSE against the running services."""

import json
from datetime import date, datetime, timedelta

import httpx
import pytest
from httpx_sse import connect_sse

pytestmark = pytest.mark.e2e


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def read_events(system, token: str, job_id: str, last_event_id: str | None = None) -> list[tuple[str, str, dict]]:
    headers = auth(token)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    events = []
    with httpx.Client(timeout=60) as client, connect_sse(
        client, "GET", f"{system.gateway}/stream/{job_id}", headers=headers
    ) as source:
        for sse in source.iter_sse():
            if not sse.data:
                continue  # httpx-sse reports comment frames as empty events
            events.append((sse.id, sse.event, json.loads(sse.data)))
            if sse.event in ("end", "error"):
                break
    return events


def next_friday(today: date) -> date:
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


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
