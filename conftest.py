"""Fixtures shared by every test: a fresh PostgreSQL database and Redis databases per run.

TEST_DATABASE_ADMIN_URL names a PostgreSQL server (default: the local one);
each run creates `test_<random>` there and drops it afterwards.
TEST_REDIS_SERVER names a Redis server (default: the local one). Each run
claims free numbered databases on it with a lock key, flushes them before
and after use, and releases them, so two runs on one machine never share a
queue.
"""

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "support"))

from stack import RedisDatabases, Stack, free_port  # noqa: E402

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")


@pytest.fixture(scope="session")
def redis_databases() -> Iterator[RedisDatabases]:
    databases = RedisDatabases(REDIS_SERVER)
    yield databases
    databases.release()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Create an empty database for this test run, migrated, and drop it at the end."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    from agent_worker.main import migrate
    from agent_worker.settings import WorkerSettings

    migrate(WorkerSettings(database_url=url, redis_url=f"{REDIS_SERVER}/0"))  # type: ignore[arg-type]
    yield url
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(redis_databases: RedisDatabases) -> str:
    """A Redis database of this run's own, for the main test system."""
    return redis_databases.claim()


@pytest.fixture(scope="session")
def scripted_llm(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Stack, str]]:
    port = free_port()
    stack = Stack(dict(os.environ), tmp_path_factory.mktemp("logs-llm"))
    stack.start(
        "scripted-llm",
        [
            sys.executable,
            str(ROOT / "tests" / "support" / "scripted_llm.py"),
            "--port",
            str(port),
        ],
        f"http://127.0.0.1:{port}/health",
    )
    yield stack, f"http://127.0.0.1:{port}"
    stack.stop()
