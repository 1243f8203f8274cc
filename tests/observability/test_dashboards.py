"""The Grafana dashboards' structure, checked without a Grafana server.

The queries themselves run against a real Prometheus in test_prometheus.py.
"""

import re

import pytest
from observability import (
    SCRAPE_JOBS,
    dashboard_queries,
    extract_jobs,
    iter_panels,
    load_dashboards,
)

DASHBOARDS = load_dashboards()
EXPECTED = {
    "overview": "todo-assistant-overview",
    "gateway": "todo-assistant-gateway",
    "agent-worker": "todo-assistant-agent-worker",
    "todo-read": "todo-assistant-todo-read",
}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Gauges that every gateway replica reports with the same value.
REPLICATED_GAUGES = ("chat_queue_depth", "chat_queue_oldest_job_age_seconds")
RANGE_SELECTOR = re.compile(r"\[([^\]]+)\]")


def panels_with_targets(dashboard: dict) -> list[dict]:
    return [panel for panel in iter_panels(dashboard) if panel.get("targets")]


def test_dashboard_files_and_uids():
    assert {name: d["uid"] for name, d in DASHBOARDS.items()} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_header(name):
    dashboard = DASHBOARDS[name]
    assert dashboard["schemaVersion"] == 39
    assert dashboard["title"].startswith("To-do assistant: ")
    assert dashboard["id"] is None, "an exported id breaks provisioning"
    assert "todo-assistant" in dashboard["tags"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_variables(name):
    variables = {v["name"]: v for v in DASHBOARDS[name]["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["traces"]["type"] == "datasource"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panel_ids_unique(name):
    ids = [panel["id"] for panel in iter_panels(DASHBOARDS[name])]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panels_use_datasource_variable(name):
    for panel in panels_with_targets(DASHBOARDS[name]):
        assert panel["datasource"] == DATASOURCE, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_panels_fit_the_grid(name):
    for panel in iter_panels(DASHBOARDS[name]):
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]
        assert position["h"] > 0, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_histogram_panels_link_exemplars_to_traces(name):
    histogram_panels = [
        panel
        for panel in panels_with_targets(DASHBOARDS[name])
        if any("histogram_quantile" in t["expr"] for t in panel["targets"])
    ]
    assert histogram_panels
    for panel in histogram_panels:
        assert all(t["exemplar"] for t in panel["targets"]), panel["title"]
        links = panel["fieldConfig"]["defaults"]["links"]
        assert any(
            "${traces}" in link["url"] and "${__data.fields.trace_id}" in link["url"]
            for link in links
        ), panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_range_selectors_use_rate_interval(name):
    for panel in panels_with_targets(DASHBOARDS[name]):
        for target in panel["targets"]:
            windows = set(RANGE_SELECTOR.findall(target["expr"]))
            assert windows <= {"$__rate_interval"}, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_replicated_gauges_take_max(name):
    for panel in panels_with_targets(DASHBOARDS[name]):
        for target in panel["targets"]:
            expr = target["expr"]
            for gauge in REPLICATED_GAUGES:
                uses = expr.count(gauge + "{")
                assert expr.count(f"max({gauge}{{") == uses, panel["title"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_queries_select_known_jobs(name):
    for query in dashboard_queries(name, DASHBOARDS[name]):
        jobs = extract_jobs(query.expr)
        assert jobs, f"{query.test_id} selects no scrape job"
        assert jobs <= SCRAPE_JOBS, query.test_id
