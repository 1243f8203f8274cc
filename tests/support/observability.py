"""Helpers for the observability tests: a real Prometheus, dashboard queries, scrapes.

`PrometheusServer` runs the `prometheus` binary (Debian package `prometheus`)
on a free loopback port with its data in a temporary directory.
`dashboard_queries` lists every PromQL expression of a Grafana dashboard with
Grafana's variables replaced, so Prometheus can run it as an instant query.
"""

import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families
from stack import Stack, free_port

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "deploy" / "grafana" / "dashboards"
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
ALERTS_FILE = PROMETHEUS_DIR / "alerts.yml"
SCRAPE_CONFIG_FILE = PROMETHEUS_DIR / "prometheus.yml"
# The scrape job names that the alert rules and dashboards select on.
SCRAPE_JOBS = frozenset({"gateway", "todo-read", "agent-worker"})
INSTALL_HINT = (
    "install Debian's prometheus package "
    "(apt-get install --no-install-recommends prometheus)"
)

# Values for Grafana's built-in variables in an instant query. One minute
# contains 60 samples at the tests' 1s scrape interval.
GRAFANA_BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "5m",
    "__range_s": "300",
    "__range_ms": "300000",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::[\w-]+)?\}|\$(\w+)")
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")
JOB_MATCHER = re.compile(r'job=~?"([^"]+)"')


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel: where it sits and the PromQL to run."""

    dashboard: str
    panel: str
    ref_id: str
    expr: str

    @property
    def test_id(self) -> str:
        return f"{self.dashboard}:{self.panel}:{self.ref_id}"


def load_dashboards() -> dict[str, dict]:
    """Read every dashboard JSON file, keyed by file stem (overview, gateway, …)."""
    return {
        path.stem: json.loads(path.read_text())
        for path in sorted(DASHBOARD_DIR.glob("*.json"))
    }


def iter_panels(dashboard: dict) -> Iterator[dict]:
    """Yield every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def variable_values(dashboard: dict) -> dict[str, str]:
    """Map each variable to the value an instant query uses in its place.

    A variable that offers "All" takes its allValue (a regex such as `.*`);
    any other takes its current value.
    """
    values = dict(GRAFANA_BUILTINS)
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("includeAll"):
            values[variable["name"]] = variable.get("allValue") or ".*"
        else:
            current = variable.get("current", {}).get("value")
            values[variable["name"]] = str(current or "")
    return values


def substitute(expr: str, values: dict[str, str]) -> str:
    """Replace `$name` and `${name}` with their values, raising ValueError on an unknown name."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in values:
            raise ValueError(
                f"unknown Grafana variable ${name} in {expr!r}. Define it in the "
                "dashboard's templating or add it to GRAFANA_BUILTINS."
            )
        return values[name]

    return VARIABLE.sub(replace, expr)


def dashboard_queries(name: str, dashboard: dict) -> list[PanelQuery]:
    values = variable_values(dashboard)
    queries = []
    for panel in iter_panels(dashboard):
        for target in panel.get("targets", []):
            if "expr" in target:
                queries.append(
                    PanelQuery(
                        name,
                        panel["title"],
                        target["refId"],
                        substitute(target["expr"], values),
                    )
                )
    return queries


def variable_selectors(dashboard: dict) -> list[tuple[str, str]]:
    """Return (variable name, series selector) for each `label_values(…)` variable."""
    selectors = []
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        match = LABEL_VALUES.match(variable.get("definition", ""))
        if match is None:
            raise ValueError(
                f"variable {variable['name']!r} has a query this test cannot check: "
                f"{variable.get('definition')!r}"
            )
        selectors.append((variable["name"], match["selector"]))
    return selectors


def extract_jobs(expr: str) -> set[str]:
    """Return the job names in the `job="…"` and `job=~"a|b"` matchers of `expr`."""
    return {job for match in JOB_MATCHER.finditer(expr) for job in match[1].split("|")}


def load_alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS_FILE.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def host_port(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


def build_scrape_config(targets: dict[str, str], rule_file: Path) -> dict:
    """Return deploy/prometheus/prometheus.yml with test targets and a 1s interval.

    `targets` maps each scrape job name to host:port. The job names and metric
    paths stay as deployed, so the test checks them too.
    """
    config = yaml.safe_load(SCRAPE_CONFIG_FILE.read_text())
    config["global"] = {
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "evaluation_interval": "1s",
    }
    config["rule_files"] = [str(rule_file)]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    if jobs != set(targets):
        raise ValueError(
            f"{SCRAPE_CONFIG_FILE} defines the jobs {sorted(jobs)}, "
            f"but the test has targets for {sorted(targets)}"
        )
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    return config


class PrometheusServer:
    """A `prometheus` process on 127.0.0.1 with its TSDB in a temporary directory."""

    def __init__(self, work_dir: Path) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            raise FileNotFoundError(f"prometheus is not on PATH; {INSTALL_HINT}")
        self._binary = binary
        self._work_dir = work_dir
        self._stack = Stack(dict(os.environ), work_dir / "logs")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, config: dict) -> None:
        config_path = self._work_dir / "prometheus.yml"
        # JSON is valid YAML, and Prometheus reads it as such.
        config_path.write_text(json.dumps(config, indent=2))
        self._stack.start(
            "prometheus",
            [
                self._binary,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={self._work_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--enable-feature=exemplar-storage",
                "--log.level=warn",
            ],
            f"{self.url}/-/ready",
            timeout=30,
        )

    def stop(self) -> None:
        self._stack.stop(grace=10)

    def query(self, expr: str) -> dict:
        """Run an instant query and return Prometheus's JSON response, errors included."""
        response = httpx.get(
            f"{self.url}/api/v1/query", params={"query": expr}, timeout=10
        )
        return response.json()

    def value(self, expr: str) -> float | None:
        """Return the single value of a scalar-like query, or None when it is empty."""
        body = self.query(expr)
        result = body.get("data", {}).get("result", [])
        if body.get("status") != "success" or not result:
            return None
        return float(result[0]["value"][1])

    def rules(self) -> list[dict]:
        response = httpx.get(f"{self.url}/api/v1/rules", timeout=10)
        response.raise_for_status()
        return [
            rule
            for group in response.json()["data"]["groups"]
            for rule in group["rules"]
        ]


def finite_values(body: dict) -> list[float]:
    """Return the finite sample values of an instant-query response (vector or scalar)."""
    data = body.get("data", {})
    if data.get("resultType") == "scalar":
        samples = [data["result"][1]]
    else:
        samples = [item["value"][1] for item in data.get("result", [])]
    return [float(v) for v in samples if math.isfinite(float(v))]


def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """GET a /metrics endpoint and return each sample name's (labels, value) pairs."""
    response = httpx.get(url, timeout=10, follow_redirects=True)
    response.raise_for_status()
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def sample_sum(
    samples: dict[str, list[tuple[dict[str, str], float]]],
    name: str,
    **labels: str,
) -> float | None:
    """Sum the samples of `name` whose labels include `labels`, or return None if none match."""
    matching = [
        value
        for sample_labels, value in samples.get(name, [])
        if all(sample_labels.get(key) == wanted for key, wanted in labels.items())
    ]
    return sum(matching) if matching else None
