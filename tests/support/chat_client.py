"""HTTP and SSE helpers the end-to-end tests share."""

import json
import os
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from httpx_sse import connect_sse


@dataclass
class System:
    """URLs of one running system under test."""

    gateway: str
    todo_read: str
    llm: str | None = None
    stack: object | None = None
    # The worker's Prometheus endpoint, e.g. http://127.0.0.1:PORT/metrics.
    worker_metrics: str | None = None

    def token(self, user: str) -> str:
        response = httpx.post(f"{self.gateway}/auth/dev-token", json={"user": user})
        response.raise_for_status()
        return response.json()["access_token"]


def service_env(database_url: str, redis_url: str, **overrides: str) -> dict[str, str]:
    """Return the environment for services under test: dev auth, JSON logs, unbuffered."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AUTH_MODE": "dev",
        "DEV_TOKEN_SECRET": "test-secret-" + "x" * 40,
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


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
