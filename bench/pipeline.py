"""Measure the pipeline's own latency with the scripted model (no model time).

Starts a fresh database, the scripted model server with no delay between
tokens, one or more workers, the gateway and todo-read on loopback, then
sends chats and reads their streams over real HTTP and SSE. It reports the
POST /chat/new latency, the time from the POST to the first `token` event and
to `end`, and the throughput at the given concurrency.

Run: task bench -- --chats 40 --concurrency 4 --workers 2
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from httpx_sse import connect_sse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from stack import (
    ROOT,
    RedisDatabases,
    Stack,
    base_env,
    create_database,
    drop_database,
    free_port,
    start_backend,
)

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_SERVER = "redis://127.0.0.1:6379"


def one_chat(gateway: str, token: str, index: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    message = f"Remind me to run benchmark errand {index} by Friday"
    with httpx.Client(timeout=60) as client:
        started = time.perf_counter()
        response = client.post(
            f"{gateway}/chat/new", json={"message": message}, headers=headers
        )
        response.raise_for_status()
        posted = time.perf_counter()
        first_token = None
        url = f"{gateway}{response.json()['stream_url']}"
        with connect_sse(client, "GET", url, headers=headers) as source:
            for event in source.iter_sse():
                if event.event == "token" and first_token is None:
                    first_token = time.perf_counter()
                if event.event in ("end", "error"):
                    if event.event == "error":
                        raise RuntimeError(event.data)
                    break
        ended = time.perf_counter()
    return {
        "post_ms": (posted - started) * 1000,
        "first_token_ms": ((first_token or ended) - started) * 1000,
        "end_ms": (ended - started) * 1000,
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=40, help="chats to send")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="chats in flight at once"
    )
    parser.add_argument("--workers", type=int, default=2, help="agent worker processes")
    args = parser.parse_args()

    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/bench_{uuid.uuid4().hex[:10]}"
    create_database(database_url)
    redis_databases = RedisDatabases(REDIS_SERVER)
    redis_url = redis_databases.claim()
    ports = {"gateway": free_port(), "todo-read": free_port(), "llm": free_port()}
    llm_url = f"http://127.0.0.1:{ports['llm']}"
    env = base_env(database_url, redis_url, "bench-secret-" + "b" * 40)
    env.update(
        LLM_BASE_URL=f"{llm_url}/v1",
        LLM_API_KEY="scripted",
        LOG_FORMAT="json",
        LOG_LEVEL="warning",
    )
    stack = Stack(env, Path(tempfile.mkdtemp(prefix="bench-")))
    try:
        stack.start(
            "scripted-llm",
            [
                sys.executable,
                str(ROOT / "tests/support/scripted_llm.py"),
                "--port",
                str(ports["llm"]),
            ],
            f"{llm_url}/health",
        )
        httpx.post(f"{llm_url}/_mode", json={"token_delay": 0}).raise_for_status()
        start_backend(stack, ports, workers=args.workers)
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        tokens = [
            httpx.post(f"{gateway}/auth/dev-token", json={"user": f"bench-{i}"}).json()[
                "access_token"
            ]
            for i in range(args.concurrency)
        ]
        one_chat(gateway, tokens[0], -1)  # warm-up: first imports and connections
        began = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(
                pool.map(
                    lambda i: one_chat(gateway, tokens[i % len(tokens)], i),
                    range(args.chats),
                )
            )
        elapsed = time.perf_counter() - began
    finally:
        stack.stop()
        drop_database(database_url)
        redis_databases.release()

    print(f"chats={args.chats} concurrency={args.concurrency} workers={args.workers}")
    for key in ("post_ms", "first_token_ms", "end_ms"):
        values = [r[key] for r in results]
        print(
            f"{key:15} p50={statistics.median(values):7.1f}  p95={percentile(values, 0.95):7.1f}"
            f"  max={max(values):7.1f}"
        )
    print(f"throughput      {args.chats / elapsed:.1f} chats/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
