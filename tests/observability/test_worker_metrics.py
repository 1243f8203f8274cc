"""Metrics recorded inside a chat job show up in the worker's and gateway's scrapes.

The worker runs jobs in its own process (RQ's SimpleWorker), so a counter
raised inside a job must be visible on WORKER_METRICS_PORT right after it.
"""

import pytest
from chat_client import chat
from observability import sample_sum, scrape
from stack import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def after_chat(system):
    if system.worker_metrics is None:
        pytest.skip("set E2E_WORKER_METRICS_URL to read the external system's worker")
    token = system.token("worker-metrics")
    body, events = chat(system, token, "Remind me to book the dentist by Friday")
    assert events[-1][1] == "end", events
    _, events = chat(
        system, token, "Remind me to buy stamps tomorrow", thread_id=body["thread_id"]
    )
    assert events[-1][1] == "end", events
    return scrape(system.worker_metrics), scrape(f"{system.gateway}/metrics")


def test_succeeded_job_counted(after_chat):
    worker, _ = after_chat
    count = sample_sum(worker, "chat_jobs_total", outcome="succeeded", reason="ok")
    assert count is not None
    assert count >= 2


def test_time_to_first_token_observed(after_chat):
    worker, _ = after_chat
    count = sample_sum(worker, "llm_time_to_first_token_seconds_count", node="respond")
    assert count is not None
    assert count >= 2


def test_queue_wait_and_duration_observed(after_chat):
    worker, _ = after_chat
    waits = sample_sum(worker, "chat_job_queue_wait_seconds_count")
    durations = sample_sum(
        worker, "chat_job_duration_seconds_count", outcome="succeeded"
    )
    assert waits is not None
    assert waits >= 2
    assert durations is not None
    assert durations >= 2


def test_memory_updates_counted(after_chat):
    worker, _ = after_chat
    created = sample_sum(worker, "memory_updates_total", kind="todo", action="created")
    assert created is not None
    assert created > 0


def test_model_tokens_counted(after_chat):
    worker, _ = after_chat
    for name in ("llm_input_tokens_total", "llm_output_tokens_total"):
        for node in ("remember", "respond"):
            value = sample_sum(worker, name, node=node)
            assert value is not None, f"{name}{{node={node!r}}} missing"
            assert value > 0, f"{name}{{node={node!r}}}"


def test_worker_idle_after_job(system, after_chat):
    # The worker publishes the end event before it resets worker_busy.
    def idle() -> bool:
        return sample_sum(scrape(system.worker_metrics), "worker_busy") == 0

    wait_for("the worker to report worker_busy 0", idle, 10)


def test_gateway_reports_queue(after_chat):
    _, gateway = after_chat
    assert sample_sum(gateway, "chat_queue_depth") is not None
    assert sample_sum(gateway, "chat_queue_oldest_job_age_seconds") is not None


def test_gateway_counts_enqueued_jobs(after_chat):
    _, gateway = after_chat
    for kind in ("new", "continue"):
        count = sample_sum(gateway, "chat_jobs_enqueued_total", kind=kind)
        assert count is not None, f"kind={kind} missing"
        assert count >= 1, f"kind={kind}"
