"""Smoke test of the whole pipeline on the real bundled model served by local-llm.

The first run fetches the model into the cache (LOCAL_LLM_CACHE_DIR, default
~/.cache/todo-assistant/models), which can take minutes; later runs reuse it.
It runs the 0.5B model, the fastest one that passes this case in the
measurements of docs/models.md, so the suite stays quick on two cores;
SMOKE_LOCAL_LLM_MODEL picks another bundled model (`task up` serves the
default one).
"""

import os
import sys
from datetime import date, datetime

import httpx
import pytest
from chat_client import System, auth, chat, next_friday, service_env
from stack import Stack, free_port, start_backend

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def local_system(database_url, redis_databases, tmp_path_factory):
    if os.environ.get("E2E_GATEWAY_URL"):
        pytest.skip("starts its own services on the bundled model")
    redis_url = redis_databases.claim()
    ports = {"gateway": free_port(), "todo-read": free_port(), "llm": free_port()}
    env = service_env(
        database_url,
        redis_url,
        LOCAL_LLM_PORT=str(ports["llm"]),
        LLM_BASE_URL=f"http://127.0.0.1:{ports['llm']}/v1",
        LLM_TEMPERATURE="0",
        WORKER_METRICS_PORT=str(free_port()),
    )
    env.pop("LLM_API_KEY", None)
    env.pop("LLM_MODEL", None)
    env["LOCAL_LLM_MODEL"] = os.environ.get(
        "SMOKE_LOCAL_LLM_MODEL", "qwen2.5-coder-0.5b"
    )
    env["LLM_TIMEOUT_SECONDS"] = "120"
    stack = Stack(env, tmp_path_factory.mktemp("logs-local-model"))
    stack.start(
        "local-llm",
        [sys.executable, "-m", "local_llm", "serve"],
        f"http://127.0.0.1:{ports['llm']}/health",
        timeout=1800,
    )
    start_backend(stack, ports)
    yield System(
        f"http://127.0.0.1:{ports['gateway']}", f"http://127.0.0.1:{ports['todo-read']}"
    )
    stack.stop()


def test_swim_lessons_on_bundled_model(local_system):
    token = local_system.token("alice-smoke")
    _, events = chat(
        local_system, token, "Remind me to book swim lessons for my daughter by Friday"
    )
    kinds = [kind for _, kind, _ in events]
    assert kinds[-1] == "end", events[-1]
    assert kinds.count("token") >= 2
    assert events[-1][2]["text"].strip()
    todos = httpx.get(f"{local_system.todo_read}/todos", headers=auth(token)).json()
    swim = [item for item in todos["items"] if "swim" in item["task"].lower()]
    assert len(swim) == 1, todos
    assert swim[0]["deadline"] is not None, swim[0]
    assert datetime.fromisoformat(swim[0]["deadline"]).date() == next_friday(
        date.today()
    )
