"""The real worker process: a job in flight survives SIGTERM, and a time-out ends the stream."""

import os
import signal
import sys
import uuid
from datetime import UTC, datetime

import httpx
import psycopg
import pytest
import redis
from rq import Callback, Queue
from rq.serializers import JSONSerializer
from stack import Stack, free_port, wait_for, worker_ready
from todo_common.events import decode_event
from todo_common.jobs import ChatJob
from todo_common.keys import FAILURE_CALLBACK, JOB_FUNCTION, QUEUE_NAME, stream_key


@pytest.fixture
def worker(database_url, redis_url, scripted_llm, tmp_path):
    """Start one worker process; yield a function that enqueues a chat job."""
    _, llm_url = scripted_llm
    name = f"test-worker-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LLM_BASE_URL": f"{llm_url}/v1",
        "LLM_API_KEY": "scripted",
        "LLM_MAX_RETRIES": "0",
        "WORKER_NAME": name,
        "WORKER_METRICS_PORT": str(free_port()),
        "LOG_FORMAT": "json",
    }
    stack = Stack(env, tmp_path)
    service = stack.start(
        "worker",
        [sys.executable, "-m", "agent_worker.main", "run"],
        ready=worker_ready(redis_url, name),
    )
    client = redis.Redis.from_url(redis_url)
    queue = Queue(QUEUE_NAME, connection=client, serializer=JSONSerializer)

    def enqueue(message: str, timeout: int = 60) -> str:
        job = ChatJob(
            job_id=uuid.uuid4(),
            thread_id=uuid.uuid4(),
            user_id="worker-test",
            message=message,
            enqueued_at=datetime.now(UTC),
        )
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO threads (thread_id, user_id, title) VALUES (%s, %s, 't')",
                (job.thread_id, job.user_id),
            )
            conn.execute(
                "INSERT INTO runs (job_id, thread_id, user_id, status) VALUES (%s, %s, %s, 'queued')",
                (job.job_id, job.thread_id, job.user_id),
            )
        queue.enqueue(
            JOB_FUNCTION,
            job.to_payload(),
            job_id=str(job.job_id),
            job_timeout=timeout,
            on_failure=Callback(FAILURE_CALLBACK),
        )
        return str(job.job_id)

    yield service, enqueue, client, llm_url
    httpx.post(f"{llm_url}/_mode", json={"token_delay": 0.02})
    stack.stop()
    client.close()


def stream_types(client, job_id: str) -> list[str]:
    return [decode_event(fields)[0] for _, fields in client.xrange(stream_key(job_id))]


def run_status(database_url: str, job_id: str) -> str:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT status FROM runs WHERE job_id = %s", (job_id,)
        ).fetchone()[0]


def test_sigterm_lets_job_in_flight_finish(worker, database_url):
    service, enqueue, client, llm_url = worker
    httpx.post(f"{llm_url}/_mode", json={"token_delay": 0.15}).raise_for_status()
    job_id = enqueue("Remind me to pack the suitcase by Friday")
    wait_for("the first token", lambda: "token" in stream_types(client, job_id), 30)
    service.process.send_signal(signal.SIGTERM)
    service.process.wait(60)
    assert service.process.returncode == 0
    types = stream_types(client, job_id)
    assert types[-1] == "end"
    assert types.count("end") == 1
    assert run_status(database_url, job_id) == "succeeded"


def test_job_timeout_ends_stream_with_error(worker, database_url):
    _, enqueue, client, llm_url = worker
    httpx.post(f"{llm_url}/_mode", json={"token_delay": 1.0}).raise_for_status()
    job_id = enqueue("Remind me to write a very long letter", timeout=2)
    wait_for(
        "the terminal event",
        lambda: stream_types(client, job_id)[-1:] in (["end"], ["error"]),
        30,
    )
    types = stream_types(client, job_id)
    assert types[-1] == "error"
    _, fields = client.xrange(stream_key(job_id))[-1]
    assert "time limit" in decode_event(fields)[1]["message"]
    assert run_status(database_url, job_id) == "failed"
