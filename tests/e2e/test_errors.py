"""Bad input, missing tokens and a failing model, end to end."""

import uuid

import httpx
import pytest
from chat_client import auth, chat, post_chat, read_events

pytestmark = pytest.mark.e2e


@pytest.fixture
def token(system) -> str:
    return system.token("errors-e2e")


@pytest.fixture
def model_mode(system):
    """Switch the scripted model into a failure mode for one test."""
    if system.llm is None:
        pytest.skip("needs the scripted model server's controls")

    def set_mode(mode: str) -> None:
        httpx.post(f"{system.llm}/_mode", json={"mode": mode}).raise_for_status()

    yield set_mode
    set_mode("ok")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"message": ""}, "at least 1 character"),
        ({"message": "   \n "}, "more than white space"),
        ({}, "Field required"),
        ({"message": 42}, "valid string"),
        ({"message": "hi", "timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"message": "hi", "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_new_chat_rejects_invalid_body(system, token, payload, fragment):
    response = post_chat(system, token, "/chat/new", payload)
    assert response.status_code == 422
    assert fragment in response.text


def test_new_chat_rejects_oversized_message(system, token):
    response = post_chat(system, token, "/chat/new", {"message": "x" * 8001})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "message is 8001 characters long; the limit is 8000"
    }


def test_new_chat_accepts_message_at_limit(system, token):
    response = post_chat(
        system, token, "/chat/new", {"message": "Remind me " + "x" * 7990}
    )
    assert response.status_code == 202
    read_events(system, token, response.json()["job_id"])


def test_new_chat_rejects_malformed_json(system, token):
    response = httpx.post(
        f"{system.gateway}/chat/new",
        content=b'{"message": ',
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "JSON decode error" in response.text


def test_gateway_rejects_huge_body(system, token):
    response = httpx.post(
        f"{system.gateway}/chat/new",
        content=b'{"message": "' + b"x" * 200_000 + b'"}',
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/jobs/not-a-uuid", "/stream/not-a-uuid"])
def test_non_uuid_ids_rejected(system, token, path):
    response = httpx.get(f"{system.gateway}{path}", headers=auth(token))
    assert response.status_code == 422
    assert "valid UUID" in response.text


def test_continue_rejects_non_uuid_thread(system, token):
    response = post_chat(
        system, token, "/chat/continue", {"thread_id": "abc", "message": "hi"}
    )
    assert response.status_code == 422
    assert "valid UUID" in response.text


def test_unknown_ids_answer_404(system, token):
    unknown = str(uuid.uuid4())
    assert (
        httpx.get(f"{system.gateway}/jobs/{unknown}", headers=auth(token)).status_code
        == 404
    )
    assert (
        httpx.get(f"{system.gateway}/stream/{unknown}", headers=auth(token)).status_code
        == 404
    )
    response = post_chat(
        system, token, "/chat/continue", {"thread_id": unknown, "message": "hi"}
    )
    assert response.status_code == 404


def test_invalid_last_event_id_rejected(system, token):
    body, _ = chat(system, token, "Remind me to stretch tonight")
    response = httpx.get(
        f"{system.gateway}/stream/{body['job_id']}",
        headers={**auth(token), "Last-Event-ID": "yesterday"},
    )
    assert response.status_code == 400
    assert "Last-Event-ID" in response.json()["detail"]


@pytest.mark.parametrize("header", [None, "Bearer not-a-jwt", "Basic abc"])
def test_missing_or_bad_token_answers_401(system, header):
    headers = {"Authorization": header} if header else {}
    response = httpx.post(
        f"{system.gateway}/chat/new", json={"message": "hi"}, headers=headers
    )
    assert response.status_code == 401
    todos = httpx.get(f"{system.todo_read}/todos", headers=headers)
    assert todos.status_code == 401


@pytest.mark.parametrize("user", ["", "a" * 65, "bad user", "semi;colon"])
def test_dev_token_rejects_bad_user_name(system, user):
    response = httpx.post(f"{system.gateway}/auth/dev-token", json={"user": user})
    assert response.status_code == 422


def test_model_error_ends_stream_with_error(system, token, model_mode):
    model_mode("error")
    body, events = chat(system, token, "Remind me to pay rent by Friday")
    assert events[-1][1] == "error"
    assert "could not be reached" in events[-1][2]["message"]
    assert [kind for _, kind, _ in events].count("error") == 1
    status = httpx.get(
        f"{system.gateway}/jobs/{body['job_id']}", headers=auth(token)
    ).json()
    assert status["status"] == "failed"
    for url in (system.gateway, system.todo_read):
        assert httpx.get(f"{url}/readyz").status_code == 200


def test_invalid_model_output_retried_then_error(system, token, model_mode):
    httpx.post(f"{system.llm}/_mode", json={"reset": True}).raise_for_status()
    model_mode("invalid")
    _, events = chat(system, token, "Remind me to fix the bike by Sunday")
    assert events[-1][1] == "error"
    assert "could not be read" in events[-1][2]["message"]
    sent = httpx.get(f"{system.llm}/_requests").json()
    decision_requests = [r for r in sent if r.get("response_format")]
    assert len(decision_requests) == 2


def test_model_server_down_ends_stream_with_error(system, token, scripted_llm):
    stack, url = scripted_llm
    if system.llm is None:
        pytest.skip("needs the scripted model server")
    service = stack.get("scripted-llm")
    command = service.process.args
    stack.stop()
    try:
        _, events = chat(system, token, "Remind me to email the landlord by Friday")
        assert events[-1][1] == "error"
        assert "could not be reached" in events[-1][2]["message"]
        for base in (system.gateway, system.todo_read):
            assert httpx.get(f"{base}/readyz").status_code == 200
    finally:
        stack.start("scripted-llm", command, f"{url}/health")
    _, events = chat(system, token, "Remind me to email the landlord by Friday")
    assert events[-1][1] == "end"


def test_continue_while_reply_streams_answers_409(system, token, model_mode):
    httpx.post(f"{system.llm}/_mode", json={"token_delay": 0.3}).raise_for_status()
    try:
        response = post_chat(
            system, token, "/chat/new", {"message": "Remind me to plan the trip"}
        )
        body = response.json()
        busy = post_chat(
            system,
            token,
            "/chat/continue",
            {"thread_id": body["thread_id"], "message": "and more"},
        )
        assert busy.status_code == 409
        assert "in progress" in busy.json()["detail"]
        events = read_events(system, token, body["job_id"])
        assert events[-1][1] == "end"
    finally:
        httpx.post(f"{system.llm}/_mode", json={"token_delay": 0.02}).raise_for_status()
    after = post_chat(
        system,
        token,
        "/chat/continue",
        {"thread_id": body["thread_id"], "message": "thanks"},
    )
    assert after.status_code == 202
    read_events(system, token, after.json()["job_id"])


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'{"message": NaN}', "valid string"),
        (b'{"message": "hi", "timezone": Infinity}', "valid string"),
        (b'{"message": "buy\\u0000 milk"}', "NUL"),
        (b'{"message": "hi \\ud800 there"}', "unicode string"),
        (b'{"message": "hi", "timezone": "localtime"}', "unknown time zone"),
    ],
)
def test_new_chat_rejects_unstorable_text(system, token, body, fragment):
    response = httpx.post(
        f"{system.gateway}/chat/new",
        content=body,
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert fragment in response.text
    assert "input" not in response.json()["detail"][0]


def test_chunked_body_over_limit_answers_413(system, token):
    def chunks():
        yield b'{"message": "'
        for _ in range(10):
            yield b"x" * 10_000
        yield b'"}'

    response = httpx.post(
        f"{system.gateway}/chat/new",
        content=chunks(),
        headers={**auth(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_resume_after_terminal_event_ends_at_once(system, token):
    body, events = chat(system, token, "Remind me to wind the clock tonight")
    terminal_id = events[-1][0]
    for cursor in (terminal_id, "99999999999999-0"):
        response = httpx.get(
            f"{system.gateway}/stream/{body['job_id']}",
            headers={**auth(token), "Last-Event-ID": cursor},
            timeout=10,
        )
        assert response.status_code == 200
        assert "event:" not in response.text


def test_last_event_id_beyond_stream_id_range_rejected(system, token):
    body, _ = chat(system, token, "Remind me to water the fern tomorrow")
    response = httpx.get(
        f"{system.gateway}/stream/{body['job_id']}",
        headers={**auth(token), "Last-Event-ID": "99999999999999999999-0"},
    )
    assert response.status_code == 400


def test_todos_rejects_huge_offset(system, token):
    response = httpx.get(
        f"{system.todo_read}/todos", params={"offset": 2**63}, headers=auth(token)
    )
    assert response.status_code == 422


@pytest.mark.parametrize("service", ["gateway", "todo_read"])
def test_metrics_served_without_redirect(system, service):
    response = httpx.get(f"{getattr(system, service)}/metrics")
    assert response.status_code == 200
    assert "http_request_duration_seconds" in response.text
