"""Process-wide resources of a worker, built once at start-up and reused by every job.

The worker runs jobs in its own process (RQ's SimpleWorker), so the
connection pool, the Redis client, the model's HTTP client and the compiled
graph are created once here instead of once per job in a forked work horse.
"""

import threading
from dataclasses import dataclass
from typing import Any

import redis
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from todo_common.streams import StreamPublisher

from agent_worker.deadlines import DeadlineResolver
from agent_worker.graph import AgentOptions, build_graph
from agent_worker.memory import MemoryWriter
from agent_worker.settings import WorkerSettings
from agent_worker.telemetry import ModelCallTelemetry


@dataclass
class WorkerRuntime:
    settings: WorkerSettings
    pool: ConnectionPool
    redis: redis.Redis
    publisher: StreamPublisher
    graph: Any
    model_name: str

    def close(self) -> None:
        self.pool.close(timeout=5.0)
        self.redis.close()


def build_chat_model(settings: WorkerSettings) -> tuple[ChatOpenAI, str]:
    base_url, api_key, model = settings.resolved_llm()
    llm = ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=api_key,  # type: ignore[arg-type]
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
        stream_usage=True,
        callbacks=[ModelCallTelemetry(provider_name(base_url), model)],
    )
    return llm, model


def provider_name(base_url: str | None) -> str:
    """Name the model provider for the `gen_ai.provider.name` span attribute."""
    return (
        "openai"
        if base_url is None or "openai.com" in base_url
        else "openai_compatible"
    )


def build_runtime(settings: WorkerSettings) -> WorkerRuntime:
    """Open the pool and clients and compile the graph."""
    pool = ConnectionPool(
        settings.database_url,
        min_size=1,
        max_size=settings.db_pool_max_size,
        # PostgresStore and PostgresSaver need autocommit and dict rows;
        # prepare_threshold=0 keeps them working behind PgBouncer.
        kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 0},
        open=True,
    )
    client = redis.Redis.from_url(str(settings.redis_url))
    llm, model_name = build_chat_model(settings)
    resolver = DeadlineResolver()
    options = AgentOptions(
        decision_attempts=settings.decision_attempts,
        history_messages=settings.history_messages,
        prompt_todo_limit=settings.prompt_todo_limit,
    )
    graph = build_graph(
        llm,
        lambda store: MemoryWriter(store, resolver),
        options,
        checkpointer=PostgresSaver(pool),  # type: ignore[arg-type]
        store=PostgresStore(pool),  # type: ignore[arg-type]
    )
    return WorkerRuntime(
        settings, pool, client, StreamPublisher(client), graph, model_name
    )


_runtime: WorkerRuntime | None = None
_lock = threading.Lock()


def get_runtime() -> WorkerRuntime:
    """Return the process's runtime, building it from the environment on first use."""
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = build_runtime(WorkerSettings())  # type: ignore[call-arg]
        return _runtime


def set_runtime(runtime: WorkerRuntime | None) -> None:
    global _runtime
    with _lock:
        _runtime = runtime
