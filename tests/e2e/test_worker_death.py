"""A worker killed mid-reply: the stream still ends with one error event."""

import json
import os
import signal
import sys

import httpx
import pytest
from chat_client import System, auth, chat, post_chat, service_env
from httpx_sse import connect_sse
from stack import Stack, free_port, start_backend, worker_ready

pytestmark = pytest.mark.e2e


@pytest.fixture
def fragile(database_url, redis_databases, scripted_llm, tmp_path):
    """A gateway and worker of their own, on their own Redis database."""
    if os.environ.get("E2E_GATEWAY_URL"):
        pytest.skip("kills a worker of its own")
    redis_url = redis_databases.claim()
    _, llm_url = scripted_llm
    ports = {"gateway": free_port(), "todo-read": free_port()}
    env = service_env(
        database_url,
        redis_url,
        LLM_BASE_URL=f"{llm_url}/v1",
        LLM_API_KEY="scripted",
        WORKER_METRICS_PORT=str(free_port()),
        STREAM_HEARTBEAT_SECONDS="1",
    )
    stack = Stack(env, tmp_path)
    start_backend(stack, ports)
    httpx.post(f"{llm_url}/_mode", json={"token_delay": 0.5}).raise_for_status()
    yield stack, f"http://127.0.0.1:{ports['gateway']}", redis_url
    httpx.post(f"{llm_url}/_mode", json={"token_delay": 0.02})
    stack.stop()


def test_killed_worker_ends_stream_with_error(fragile):
    stack, gateway_url, redis_url = fragile
    system = System(gateway_url, gateway_url)
    token = system.token("victim")
    accepted = post_chat(
        system, token, "/chat/new", {"message": "Remind me to walk the dog"}
    )
    assert accepted.status_code == 202
    body = accepted.json()
    events = []
    worker = stack.get("worker-1").process
    with (
        httpx.Client(timeout=60) as client,
        connect_sse(
            client, "GET", f"{gateway_url}/stream/{body['job_id']}", headers=auth(token)
        ) as source,
    ):
        for sse in source.iter_sse():
            if not sse.data:
                continue
            events.append((sse.event, json.loads(sse.data)))
            if sse.event == "token" and worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(10)
            if sse.event in ("end", "error"):
                break
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "error"
    assert kinds.count("error") == 1
    assert "end" not in kinds
    assert "stopped before finishing" in events[-1][1]["message"]
    status = httpx.get(
        f"{gateway_url}/jobs/{body['job_id']}", headers=auth(token)
    ).json()
    assert status["status"] == "failed"

    # The thread is not blocked: a new worker replies to the next message.
    name = "worker-replacement"
    stack.start(
        "worker-2",
        [sys.executable, "-m", "agent_worker.main", "run"],
        ready=worker_ready(redis_url, name),
        extra_env={"WORKER_NAME": name},
    )
    _, events = chat(
        system, token, "Remind me to walk the dog tonight", body["thread_id"]
    )
    assert events[-1][1] == "end"
