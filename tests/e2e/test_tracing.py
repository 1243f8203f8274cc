"""One chat is one trace: gateway enqueue, worker job, model call, relay of the final chunk."""

import json
import os

import httpx
import pytest
from chat_client import System, chat, service_env
from otlp_receiver import OtlpReceiver
from stack import Stack, free_port, start_backend, wait_for

pytestmark = pytest.mark.e2e

PRODUCER, CONSUMER, CLIENT = 4, 5, 3  # OTLP SpanKind values


@pytest.fixture(scope="module")
def traced(database_url, redis_databases, scripted_llm, tmp_path_factory):
    """Run a second gateway and worker that export spans to a local receiver.

    They use their own Redis database, so the untraced worker of the main
    test system never takes their jobs.
    """
    if os.environ.get("E2E_GATEWAY_URL"):
        pytest.skip("starts its own traced services")
    receiver = OtlpReceiver()
    receiver.start()
    metrics_port = free_port()
    redis_url = redis_databases.claim()
    _, llm_url = scripted_llm
    ports = {"gateway": free_port(), "todo-read": free_port()}
    env = service_env(
        database_url,
        redis_url,
        LLM_BASE_URL=f"{llm_url}/v1",
        LLM_API_KEY="scripted",
        LLM_MODEL="scripted",
        WORKER_METRICS_PORT=str(metrics_port),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_TRACES_SAMPLER="always_on",
        OTEL_BSP_SCHEDULE_DELAY="100",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=test",
    )
    stack = Stack(env, tmp_path_factory.mktemp("logs-traced"))
    start_backend(stack, ports)
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    yield gateway, receiver, stack.log_dir, f"http://127.0.0.1:{metrics_port}/metrics"
    stack.stop()
    receiver.stop()


def test_chat_is_one_trace(traced):
    gateway, receiver, _, worker_metrics = traced
    system = System(gateway, gateway)
    body, events = chat(
        system, system.token("tracer"), "Remind me to renew the library card by Friday"
    )
    assert events[-1][1] == "end"
    job_id = body["job_id"]

    def job_spans():
        spans = receiver.snapshot()
        relay = [
            s
            for s in spans
            if s.name == "relay job stream"
            and s.attributes.get("messaging.message.id") == job_id
        ]
        consumer = [
            s
            for s in spans
            if s.kind == CONSUMER and s.attributes.get("messaging.message.id") == job_id
        ]
        return spans, relay, consumer

    wait_for("the job's spans to arrive", lambda: all(job_spans()[1:]), 30)
    spans, (relay,), (consumer,) = job_spans()
    trace = [s for s in spans if s.trace_id == consumer.trace_id]
    by_id = {s.span_id: s for s in trace}

    def ancestors(span):
        chain = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            chain.append(span)
        return chain

    (producer,) = [s for s in trace if s.kind == PRODUCER]
    assert producer.service == "gateway"
    assert producer.name == "send chat_jobs"
    assert consumer.service == "agent-worker"
    assert consumer.parent_span_id == producer.span_id
    assert relay.trace_id == consumer.trace_id
    assert relay.service == "gateway"
    assert relay.attributes["sse.terminal_event"] == "end"

    model_calls = [s for s in trace if s.kind == CLIENT and s.name.startswith("chat ")]
    assert {s.attributes["langgraph.node"] for s in model_calls} == {
        "remember",
        "respond",
    }
    for call in model_calls:
        assert consumer in ancestors(call)
        assert call.service == "agent-worker"
        assert call.attributes["gen_ai.operation.name"] == "chat"
        assert call.attributes["gen_ai.request.model"] == "scripted"
        assert call.attributes["gen_ai.usage.output_tokens"] > 0
    (respond_call,) = [
        s for s in model_calls if s.attributes["langgraph.node"] == "respond"
    ]
    assert respond_call.attributes["gen_ai.server.time_to_first_token"] > 0

    # Latency histograms link their buckets to traces through exemplars.
    scrape = httpx.get(
        worker_metrics,
        headers={"Accept": "application/openmetrics-text; version=1.0.0"},
    ).text
    assert f'trace_id="{consumer.trace_id}"' in scrape

    node_names = {s.name for s in trace if consumer in ancestors(s)}
    assert {
        "graph.node remember",
        "graph.node respond",
        "memory.load",
        "memory.write",
    } <= node_names

    # The producer and the relay hang under the chat request's server span.
    root = by_id[producer.parent_span_id]
    assert root.name == "POST /chat/new"
    assert root in ancestors(relay)
    # The relay ends when it has sent the final chunk, which the worker
    # publishes only after its respond node has ended.
    (respond_node,) = [s for s in trace if s.name == "graph.node respond"]
    assert relay.end_ns >= respond_node.end_ns


def test_logs_carry_ids_but_no_message_text(traced):
    gateway, _, log_dir, _ = traced
    system = System(gateway, gateway)
    secret_words = "water the orchids by Sunday"
    body, events = chat(system, system.token("logger"), f"Remind me to {secret_words}")
    assert events[-1][1] == "end"

    def read_lines() -> list[dict]:
        lines = []
        for path in log_dir.glob("*.log"):
            text = path.read_text()
            lines.extend(
                json.loads(line) for line in text.splitlines() if line.startswith("{")
            )
        return lines

    def job_events() -> set[str]:
        return {
            line["event"]
            for line in read_lines()
            if line.get("job_id") == body["job_id"]
        }

    # The worker logs job.succeeded just after it publishes the end event.
    wanted = {"job.enqueued", "job.started", "job.succeeded"}
    wait_for("the job's log lines", lambda: wanted <= job_events(), 10)
    lines = read_lines()
    job_lines = [line for line in lines if line.get("job_id") == body["job_id"]]
    for line in job_lines:
        assert len(line.get("trace_id", "")) == 32, line
        assert line.get("thread_id") == body["thread_id"], line
    for line in lines:
        if line.get("level") in ("info", "warning", "error", "critical"):
            assert secret_words not in json.dumps(line), line
