"""HTTP and SSE helpers the end-to-end tests share."""

import json
from datetime import date, timedelta

import httpx
from httpx_sse import connect_sse


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def read_events(
    system, token: str, job_id: str, last_event_id: str | None = None
) -> list[tuple[str, str, dict]]:
    headers = auth(token)
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    events = []
    with (
        httpx.Client(timeout=60) as client,
        connect_sse(
            client, "GET", f"{system.gateway}/stream/{job_id}", headers=headers
        ) as source,
    ):
        for sse in source.iter_sse():
            if not sse.data:
                continue  # httpx-sse reports comment frames as empty events
            events.append((sse.id, sse.event, json.loads(sse.data)))
            if sse.event in ("end", "error"):
                break
    return events


def next_friday(today: date) -> date:
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


def post_chat(system, token: str, path: str, payload: dict) -> httpx.Response:
    return httpx.post(
        f"{system.gateway}{path}", json=payload, headers=auth(token), timeout=30
    )


def chat(
    system, token: str, message: str, thread_id: str | None = None
) -> tuple[dict, list]:
    """Send a message, read its whole stream and return the accepted body and events."""
    if thread_id is None:
        response = post_chat(system, token, "/chat/new", {"message": message})
    else:
        response = post_chat(
            system,
            token,
            "/chat/continue",
            {"thread_id": thread_id, "message": message},
        )
    assert response.status_code == 202, response.text
    body = response.json()
    return body, read_events(system, token, body["job_id"])


def todos(system, token: str, **params) -> dict:
    response = httpx.get(
        f"{system.todo_read}/todos", headers=auth(token), params=params
    )
    assert response.status_code == 200, response.text
    return response.json()
