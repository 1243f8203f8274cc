"""The running system for end-to-end and observability tests: every service as a real process.

With E2E_GATEWAY_URL and E2E_TODO_READ_URL set, the tests drive that system
(the kind cluster, say) instead, and the tests that need the scripted model's
controls are skipped. E2E_WORKER_METRICS_URL names that system's worker
`/metrics`; without it, the tests that read the worker's metrics are skipped.
"""

import os
from collections.abc import Iterator

import pytest
from chat_client import System, service_env
from stack import Stack, free_port, start_backend


@pytest.fixture(scope="session")
def system(
    database_url: str,
    redis_url: str,
    scripted_llm: tuple[Stack, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    external = os.environ.get("E2E_GATEWAY_URL")
    if external:
        yield System(
            external,
            os.environ["E2E_TODO_READ_URL"],
            None,
            None,
            os.environ.get("E2E_WORKER_METRICS_URL"),
        )
        return
    _, llm_url = scripted_llm
    ports = {
        "gateway": free_port(),
        "todo-read": free_port(),
        "worker-metrics": free_port(),
    }
    env = service_env(
        database_url,
        redis_url,
        LLM_BASE_URL=f"{llm_url}/v1",
        LLM_API_KEY="scripted",
        LLM_MODEL="scripted",
        LLM_MAX_RETRIES="0",
        LOG_LEVEL="debug",
        STREAM_HEARTBEAT_SECONDS="1",
    )
    stack = Stack(env, tmp_path_factory.mktemp("logs"))
    start_backend(stack, ports, workers=1)
    yield System(
        f"http://127.0.0.1:{ports['gateway']}",
        f"http://127.0.0.1:{ports['todo-read']}",
        llm_url,
        stack,
        f"http://127.0.0.1:{ports['worker-metrics']}/metrics",
    )
    stack.stop()
