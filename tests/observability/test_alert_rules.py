"""The alert rules and the Prometheus configuration: syntax, metadata and behaviour."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from observability import (
    ALERTS_FILE,
    INSTALL_HINT,
    SCRAPE_CONFIG_FILE,
    SCRAPE_JOBS,
    extract_jobs,
    load_alert_rules,
)

CASES_FILE = Path(__file__).with_name("alert_cases.yml")
RULES = load_alert_rules()


@pytest.fixture(scope="module")
def promtool() -> str:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip(f"promtool is not on PATH; {INSTALL_HINT}")
    return binary


def run_promtool(promtool: str, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_promtool_accepts_alert_rules(promtool):
    result = run_promtool(promtool, "check", "rules", ALERTS_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(RULES)} rules found" in result.stdout


def test_promtool_accepts_scrape_config(promtool):
    result = run_promtool(promtool, "check", "config", SCRAPE_CONFIG_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_cases_pass(promtool, tmp_path):
    """Run the promtool unit tests against the rules without their annotations."""
    document = yaml.safe_load(ALERTS_FILE.read_text())
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    shutil.copy(CASES_FILE, tmp_path / CASES_FILE.name)
    result = run_promtool(promtool, "test", "rules", tmp_path / CASES_FILE.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_case():
    cases = yaml.safe_load(CASES_FILE.read_text())
    firing = {
        check["alertname"]
        for case in cases["tests"]
        for check in case["alert_rule_test"]
        if check.get("exp_alerts")
    }
    assert {rule["alert"] for rule in RULES} == firing


@pytest.mark.parametrize("rule", RULES, ids=[rule["alert"] for rule in RULES])
def test_alert_has_metadata(rule):
    assert rule.get("for"), "every alert waits before firing"
    assert rule["labels"]["severity"] in {"warning", "critical"}
    for key in ("summary", "description", "runbook"):
        assert rule["annotations"].get(key, "").strip(), f"annotation {key} is empty"


@pytest.mark.parametrize("rule", RULES, ids=[rule["alert"] for rule in RULES])
def test_alert_selects_known_jobs(rule):
    jobs = extract_jobs(rule["expr"])
    assert jobs, "the expression should select a scrape job"
    assert jobs <= SCRAPE_JOBS


def test_scrape_config_defines_the_jobs():
    config = yaml.safe_load(SCRAPE_CONFIG_FILE.read_text())
    assert {job["job_name"] for job in config["scrape_configs"]} == SCRAPE_JOBS
