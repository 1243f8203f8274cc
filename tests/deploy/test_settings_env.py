"""Compare the environment the charts set with the services' settings classes.

Each pydantic-settings field is read from the environment variable of the
same name (upper-cased, with the class's env_prefix), so the fields are the
contract: a chart must set the required ones, must not set names no class
reads (OTEL_* excepted, which the OpenTelemetry SDK reads), and its rendered
environment must pass the class's own validation.
"""

import pytest
import yaml
from agent_worker.settings import WorkerSettings
from charts import HELM_DIR, RELEASE, VALUE_SETS
from gateway.settings import GatewaySettings
from local_llm.settings import LocalLLMSettings
from manifests import all_containers, named, objects_of, pod_spec, workloads
from pydantic_settings import BaseSettings
from todo_read.settings import TodoReadSettings

SETTINGS = {
    "gateway": GatewaySettings,
    "todo-read": TodoReadSettings,
    "agent-worker": WorkerSettings,
    "local-llm": LocalLLMSettings,
}
# deploy/images/static_server.py reads HOST and PORT; it has no settings class.
FRONTEND_VARIABLES = {"HOST", "PORT"}
# Stand-ins for the values the pods get from the Secret and the Downward API.
SECRET_STANDINS = {
    "redis-url": "redis://:password@redis:6379/0",
    "database-url": "postgresql://todo:password@postgresql:5432/todo",
    "dev-token-secret": "k" * 48,
    "llm-api-key": "sk-test",
}
FIELD_STANDINS = {"metadata.name": "todo-agent-worker-5d8f7-abcde"}
RESOURCE_STANDINS = {"limits.cpu": "2"}


def env_name(settings: type[BaseSettings], field: str) -> str:
    prefix = settings.model_config.get("env_prefix", "")
    return f"{prefix}{field}".upper()


def settings_variables(settings: type[BaseSettings]) -> set[str]:
    return {env_name(settings, field) for field in settings.model_fields}


def required_variables(settings: type[BaseSettings]) -> set[str]:
    return {
        env_name(settings, name)
        for name, field in settings.model_fields.items()
        if field.is_required()
    }


def resolve(item: dict) -> str:
    """Return an env entry's value, with stand-ins for Secret and Downward API values."""
    if "value" in item:
        return item["value"]
    source = item["valueFrom"]
    if "secretKeyRef" in source:
        return SECRET_STANDINS[source["secretKeyRef"]["key"]]
    if "fieldRef" in source:
        return FIELD_STANDINS[source["fieldRef"]["fieldPath"]]
    return RESOURCE_STANDINS[source["resourceFieldRef"]["resource"]]


def service_containers(objects: list[dict], chart: str) -> list[tuple[str, dict]]:
    """(where, container) for every container that runs the chart's image."""
    found = []
    for workload in workloads(objects):
        name = workload["metadata"]["name"]
        if not name.startswith(f"{RELEASE}-{chart}"):
            continue
        for container, _ in all_containers(workload):
            found.append((f"{name}/{container['name']}", container))
    return found


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
@pytest.mark.parametrize("chart", [*SETTINGS, "frontend"])
def test_chart_sets_only_read_variables(rendered, value_set, chart):
    objects = rendered[value_set]
    containers = service_containers(objects, chart)
    if chart == "local-llm" and not containers:
        pytest.skip("local-llm is off in this value set")
    assert containers, f"{chart} renders no container"
    known = (
        FRONTEND_VARIABLES
        if chart == "frontend"
        else settings_variables(SETTINGS[chart])
    )
    for where, container in containers:
        names = [item["name"] for item in container.get("env", [])]
        assert len(names) == len(set(names)), f"{where} sets a variable twice"
        unread = {n for n in names if n not in known and not n.startswith("OTEL_")}
        assert unread == set(), (
            f"{where} sets variables its settings class does not read"
        )


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
@pytest.mark.parametrize("chart", list(SETTINGS))
def test_chart_sets_required_variables(rendered, value_set, chart):
    objects = rendered[value_set]
    deployments = [
        d
        for d in objects_of(objects, "Deployment")
        if d["metadata"]["name"] == f"{RELEASE}-{chart}"
    ]
    if not deployments:
        pytest.skip(f"{chart} is off in this value set")
    container = pod_spec(deployments[0])["containers"][0]
    names = {item["name"] for item in container.get("env", [])}
    missing = required_variables(SETTINGS[chart]) - names
    assert missing == set()


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
@pytest.mark.parametrize("chart", list(SETTINGS))
def test_rendered_env_passes_validation(rendered, value_set, chart, monkeypatch):
    objects = rendered[value_set]
    settings = SETTINGS[chart]
    main = [
        c
        for where, c in service_containers(objects, chart)
        if where.endswith(f"/{chart}")
    ]
    if chart == "agent-worker":
        job = named(objects, "Job", f"{RELEASE}-agent-worker-migrate")
        main.append(pod_spec(job)["containers"][0])
    if not main:
        pytest.skip(f"{chart} is off in this value set")
    for container in main:
        for variable in settings_variables(settings):
            monkeypatch.delenv(variable, raising=False)
        for item in container.get("env", []):
            monkeypatch.setenv(item["name"], resolve(item))
        settings()  # raises pydantic.ValidationError on a wrong or missing value


def chart_values(chart: str) -> dict:
    return yaml.safe_load((HELM_DIR / chart / "values.yaml").read_text())


@pytest.mark.parametrize("chart", list(SETTINGS))
def test_chart_defaults_equal_settings_defaults(chart):
    settings = SETTINGS[chart]
    fields = {
        env_name(settings, name): field for name, field in settings.model_fields.items()
    }
    config = chart_values(chart).get("config", {})
    for variable, value in config.items():
        assert variable in fields, (
            f"{chart} values.yaml config has {variable}, which no field reads"
        )
        if value is None:
            continue
        default = fields[variable].get_default(call_default_factory=True)
        if isinstance(value, int | float) and isinstance(default, int | float):
            same = float(value) == float(default)
        else:
            same = str(value) == str(default)
        assert same, (
            f"{chart} values.yaml sets {variable}={value!r}, the service's default is {default!r}"
        )


def test_global_defaults_equal_settings_defaults():
    values = chart_values("todo-assistant")["global"]
    gateway = GatewaySettings.model_fields
    assert values["jobTimeoutSeconds"] == gateway["job_timeout_seconds"].default
    assert (
        values["auth"]["devTokenTtlSeconds"] == gateway["dev_token_ttl_seconds"].default
    )
    assert values["localLlm"]["port"] == LocalLLMSettings.model_fields["port"].default
    worker = chart_values("agent-worker")
    assert (
        worker["metrics"]["port"]
        == WorkerSettings.model_fields["worker_metrics_port"].default
    )
    assert chart_values("gateway")["containerPort"] == gateway["port"].default
    assert (
        chart_values("todo-read")["containerPort"]
        == TodoReadSettings.model_fields["port"].default
    )


@pytest.mark.parametrize(
    "chart",
    ["gateway", "agent-worker", "todo-read", "local-llm", "frontend", "todo-assistant"],
)
def test_global_block_same_in_every_chart(chart):
    # Each chart carries the global block so it renders alone; the umbrella's
    # differs only in the dev sign-in default.
    reference = chart_values("gateway")["global"]
    own = chart_values(chart)["global"]
    if chart == "todo-assistant":
        own = {**own, "auth": {**own["auth"], "mode": reference["auth"]["mode"]}}
    assert own == reference
