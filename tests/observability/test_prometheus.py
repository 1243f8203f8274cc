"""Every dashboard query and alert rule, run by a real Prometheus scraping the system.

Prometheus (Debian package `prometheus`) scrapes the gateway, todo-read and
the worker every second with deploy/prometheus/prometheus.yml's job names and
evaluates deploy/prometheus/alerts.yml. Chats go through the system in two
rounds. The first round creates the labelled series, and the second one
raises them after Prometheus has seen their first value, so rate() has an
increase to report.
"""

import shutil

import pytest
from chat_client import chat, todos
from observability import (
    ALERTS_FILE,
    INSTALL_HINT,
    PrometheusServer,
    build_scrape_config,
    dashboard_queries,
    finite_values,
    host_port,
    load_alert_rules,
    load_dashboards,
    sample_sum,
    scrape,
    variable_selectors,
)
from stack import wait_for

pytestmark = pytest.mark.e2e

DASHBOARDS = load_dashboards()
PANEL_QUERIES = [
    query
    for name, board in DASHBOARDS.items()
    for query in dashboard_queries(name, board)
]
ALERT_RULES = load_alert_rules()
ROUNDS = [
    ["Remind me to water the plants by Friday"],
    [
        "Remind me to call the plumber by Monday",
        "Remind me to renew the passport by next month",
    ],
]
# Overview panels that must show data after a few chats: traffic, latency,
# time to first token, queue depth, job outcomes and memory updates.
OVERVIEW_PANELS_WITH_DATA = [
    "Requests per second by service",
    "HTTP latency p50 by route",
    "HTTP latency p95 by route",
    "Model time to first token p50 / p95",
    "Queue depth",
    "Job outcomes by reason",
    "Memory updates by kind and action",
]
# Alerts that must stay inactive while every service runs and responds.
OUTAGE_ALERTS = ["ServiceTargetDown", "AgentWorkersDown", "ReadinessFailing"]


@pytest.fixture(scope="module")
def prometheus(system, tmp_path_factory):
    if system.worker_metrics is None:
        pytest.skip("set E2E_WORKER_METRICS_URL to scrape the external system's worker")
    if shutil.which("prometheus") is None:
        pytest.skip(f"prometheus is not on PATH; {INSTALL_HINT}")
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"))
    targets = {
        "gateway": host_port(system.gateway),
        "todo-read": host_port(system.todo_read),
        "agent-worker": host_port(system.worker_metrics),
    }
    server.start(build_scrape_config(targets, ALERTS_FILE))
    yield server
    server.stop()


def wait_until_scraped(system, prometheus: PrometheusServer) -> None:
    """Wait until Prometheus has stored each service's current counter values."""
    worker = scrape(system.worker_metrics)
    gateway = scrape(f"{system.gateway}/metrics")
    todo_read = scrape(f"{system.todo_read}/metrics")
    expected = {
        'sum(chat_jobs_total{job="agent-worker"})': sample_sum(
            worker, "chat_jobs_total"
        ),
        'sum(llm_time_to_first_token_seconds_count{job="agent-worker"})': sample_sum(
            worker, "llm_time_to_first_token_seconds_count"
        ),
        'sum(chat_jobs_enqueued_total{job="gateway"})': sample_sum(
            gateway, "chat_jobs_enqueued_total"
        ),
        'sum(http_request_duration_seconds_count{job="todo-read", route="/todos"})': (
            sample_sum(todo_read, "http_request_duration_seconds_count", route="/todos")
        ),
    }
    assert None not in expected.values(), expected

    def caught_up() -> bool:
        for expr, value in expected.items():
            seen = prometheus.value(expr)
            if seen is None or seen < value:
                return False
        return True

    wait_for("Prometheus to scrape the services after the chats", caught_up, 30)


@pytest.fixture(scope="module")
def scraped_chats(system, prometheus):
    token = system.token("observability")
    for messages in ROUNDS:
        for message in messages:
            _, events = chat(system, token, message)
            assert events[-1][1] == "end", events
        todos(system, token)
        wait_until_scraped(system, prometheus)
    return prometheus


def test_scrape_targets_up(scraped_chats):
    for job in ("gateway", "todo-read", "agent-worker"):
        assert scraped_chats.value(f'min(up{{job="{job}"}})') == 1, job


@pytest.mark.parametrize("query", PANEL_QUERIES, ids=[q.test_id for q in PANEL_QUERIES])
def test_panel_query_valid(scraped_chats, query):
    body = scraped_chats.query(query.expr)
    assert body["status"] == "success", f"{query.expr}\n{body.get('error')}"


@pytest.mark.parametrize("title", OVERVIEW_PANELS_WITH_DATA)
def test_overview_panel_has_data(scraped_chats, title):
    queries = [
        q for q in PANEL_QUERIES if q.dashboard == "overview" and q.panel == title
    ]
    assert queries, f"no overview panel titled {title!r}"
    for query in queries:
        body = scraped_chats.query(query.expr)
        assert finite_values(body), f"{query.ref_id}: {query.expr} returned {body}"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_variable_queries_find_series(scraped_chats, name):
    for variable, selector in variable_selectors(DASHBOARDS[name]):
        body = scraped_chats.query(selector)
        assert body["status"] == "success", f"{variable}: {body.get('error')}"
        assert body["data"]["result"], f"{variable}: {selector} matched no series"


@pytest.mark.parametrize("rule", ALERT_RULES, ids=[r["alert"] for r in ALERT_RULES])
def test_alert_expr_valid(scraped_chats, rule):
    body = scraped_chats.query(rule["expr"])
    assert body["status"] == "success", f"{rule['expr']}\n{body.get('error')}"


def test_alert_rules_evaluate_cleanly(scraped_chats):
    def all_evaluated() -> bool:
        rules = scraped_chats.rules()
        return len(rules) == len(ALERT_RULES) and all(
            not rule["lastEvaluation"].startswith("0001") for rule in rules
        )

    wait_for("Prometheus to evaluate every alert rule", all_evaluated, 15)
    for rule in scraped_chats.rules():
        assert rule["health"] == "ok", f"{rule['name']}: {rule.get('lastError')}"


@pytest.mark.parametrize("alert", OUTAGE_ALERTS)
def test_outage_alert_inactive(scraped_chats, alert):
    (rule,) = [r for r in scraped_chats.rules() if r["name"] == alert]
    assert rule["state"] == "inactive", rule["alerts"]
