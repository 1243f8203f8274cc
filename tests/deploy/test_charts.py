"""Lint the charts, validate the rendered manifests and check them against each other.

Runs here without a cluster: helm lint and helm template, kubernetes-validate
(offline schemas) and checks over the rendered objects.
"""

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from charts import (
    ALL_CHARTS,
    HELM_DIR,
    NAMESPACE,
    RELEASE,
    ROOT,
    SERVICE_CHARTS,
    UMBRELLA,
    VALUE_SETS,
    run_helm,
    template_args,
)
from manifests import (
    Pod,
    all_containers,
    connection_allowed,
    egress_ip_blocks,
    env_values,
    ip_block_allows,
    named,
    objects_of,
    pod_labels,
    pod_spec,
    selector_matches,
    workloads,
)

# Kubernetes versions the manifests are validated against: an older cluster
# still in support and the kind node image of deploy/kind/cluster.yaml.
KUBERNETES_VERSIONS = ["1.31.0", "1.34.0"]
# Installed from the root pyproject's dev group, pinned there to 1.37.0.
KUBERNETES_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
METADATA_ADDRESS = "169.254.169.254"
VALUE_SET_NAMES = list(VALUE_SETS)


def fullname(chart: str) -> str:
    return f"{RELEASE}-{chart}"


def deployment(objects: list[dict], chart: str) -> dict:
    return named(objects, "Deployment", fullname(chart))


def main_container(workload: dict) -> dict:
    return pod_spec(workload)["containers"][0]


def container_ports(workload: dict) -> dict[str, int]:
    ports = {}
    for container, _ in all_containers(workload):
        for port in container.get("ports", []):
            ports[port.get("name", str(port["containerPort"]))] = port["containerPort"]
    return ports


@pytest.mark.parametrize("chart", ALL_CHARTS)
def test_chart_lints_strict(helm, chart):
    result = run_helm(helm, "lint", "--strict", str(HELM_DIR / chart), check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("chart", SERVICE_CHARTS)
def test_service_chart_renders_alone(helm, chart):
    # A service chart installed without the umbrella needs only a Secret name.
    result = run_helm(
        helm,
        "template",
        "solo",
        str(HELM_DIR / chart),
        "--set",
        "global.secretName=solo-secrets",
        "--set",
        "global.auth.mode=dev",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "kind: Deployment" in result.stdout


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_manifests_validate_strict(helm, value_set, version):
    manifests = run_helm(helm, *template_args(VALUE_SETS[value_set], [])).stdout
    result = subprocess.run(
        [
            str(KUBERNETES_VALIDATE),
            "--strict",
            "--quiet",
            "--kubernetes-version",
            version,
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert errors == []


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_containers_have_probes(rendered, value_set):
    for workload in workloads(rendered[value_set]):
        if workload["kind"] == "Job":
            continue
        ports = container_ports(workload)
        for container in pod_spec(workload)["containers"]:
            where = f"{workload['metadata']['name']}/{container['name']}"
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, f"{where} has no {probe}"
                action = container[probe]
                target = (action.get("httpGet") or action.get("tcpSocket") or {}).get(
                    "port"
                )
                if isinstance(target, str):
                    assert target in ports, (
                        f"{where} {probe} uses unknown port {target}"
                    )


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_containers_have_resources(rendered, value_set):
    for workload in workloads(rendered[value_set]):
        for container, _ in all_containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert "cpu" in resources.get(bound, {}), f"{where} has no {bound}.cpu"
                assert "memory" in resources.get(bound, {}), (
                    f"{where} has no {bound}.memory"
                )


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_containers_are_hardened(rendered, value_set):
    for workload in workloads(rendered[value_set]):
        pod = pod_spec(workload)
        pod_context = pod.get("securityContext", {})
        name = workload["metadata"]["name"]
        assert pod.get("automountServiceAccountToken") is False, (
            f"{name} mounts a token"
        )
        for container, _ in all_containers(workload):
            where = f"{name}/{container['name']}"
            context = container.get("securityContext", {})
            effective = {**pod_context, **context}
            assert effective.get("runAsNonRoot") is True, f"{where} may run as root"
            assert context.get("readOnlyRootFilesystem") is True, (
                f"{where} has a writable root"
            )
            assert context.get("allowPrivilegeEscalation") is False, where
            assert "ALL" in context.get("capabilities", {}).get("drop", []), where
            assert (
                effective.get("seccompProfile", {}).get("type") == "RuntimeDefault"
            ), where


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_selectors_match_pod_labels(rendered, value_set):
    objects = rendered[value_set]
    pods = [pod_labels(w) for w in workloads(objects)]
    for workload in workloads(objects):
        if workload["kind"] == "Job":
            continue
        selector = workload["spec"]["selector"]
        assert selector_matches(selector, pod_labels(workload)), workload["metadata"][
            "name"
        ]
    for service in objects_of(objects, "Service"):
        selector = {"matchLabels": service["spec"]["selector"]}
        assert any(selector_matches(selector, labels) for labels in pods), service[
            "metadata"
        ]["name"]
    for budget in objects_of(objects, "PodDisruptionBudget"):
        assert any(
            selector_matches(budget["spec"]["selector"], labels) for labels in pods
        ), budget["metadata"]["name"]
    for policy in objects_of(objects, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        assert any(selector_matches(selector, labels) for labels in pods), policy[
            "metadata"
        ]["name"]


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_scalers_target_deployments(rendered, value_set):
    objects = rendered[value_set]
    names = {d["metadata"]["name"] for d in objects_of(objects, "Deployment")}
    scalers = objects_of(objects, "HorizontalPodAutoscaler") + objects_of(
        objects, "ScaledObject"
    )
    for scaler in scalers:
        assert scaler["spec"]["scaleTargetRef"]["name"] in names
    for scaled in objects_of(objects, "ScaledObject"):
        trigger = scaled["spec"]["triggers"][0]
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] == "rq:queue:chat_jobs"
        target = named(objects, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
        assert "replicas" not in target["spec"], (
            "KEDA and the Deployment both set replicas"
        )


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_service_ports_exist_in_pods(rendered, value_set):
    objects = rendered[value_set]
    for service in objects_of(objects, "Service"):
        selector = {"matchLabels": service["spec"]["selector"]}
        targets = [
            w for w in workloads(objects) if selector_matches(selector, pod_labels(w))
        ]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for workload in targets:
                ports = container_ports(workload)
                assert target in ports or target in ports.values(), (
                    f"{service['metadata']['name']} targets port {target} that "
                    f"{workload['metadata']['name']} does not declare"
                )


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_ingress_routes_paths(rendered, value_set):
    objects = rendered[value_set]
    ingress = named(objects, "Ingress", RELEASE)
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    expected = {
        **{
            path: fullname("gateway") for path in ("/chat", "/stream", "/jobs", "/auth")
        },
        **{
            path: fullname("todo-read")
            for path in ("/todos", "/profile", "/instructions", "/threads")
        },
        "/": fullname("frontend"),
    }
    assert {path: backend["name"] for path, backend in routes.items()} == expected
    services = {s["metadata"]["name"]: s for s in objects_of(objects, "Service")}
    for path, backend in routes.items():
        service_ports = [p["name"] for p in services[backend["name"]]["spec"]["ports"]]
        assert backend["port"]["name"] in service_ports, path
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 600


def cluster_pods(objects: list[dict]) -> dict[str, tuple[Pod, dict[str, int]]]:
    """Pods of the release by app.kubernetes.io/name, plus the outside peers."""
    pods = {}
    for workload in workloads(objects):
        labels = pod_labels(workload)
        pods[labels["app.kubernetes.io/name"]] = (
            Pod(labels, NAMESPACE, {"kubernetes.io/metadata.name": NAMESPACE}),
            container_ports(workload),
        )
    pods["ingress-controller"] = (
        Pod(
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            },
            "ingress-nginx",
            {"kubernetes.io/metadata.name": "ingress-nginx"},
        ),
        {},
    )
    pods["kube-dns"] = (
        Pod(
            {"k8s-app": "kube-dns"},
            "kube-system",
            {"kubernetes.io/metadata.name": "kube-system"},
        ),
        {"dns": 53},
    )
    pods["scripted-llm"] = (
        Pod(
            {"app.kubernetes.io/name": "scripted-llm"},
            NAMESPACE,
            {"kubernetes.io/metadata.name": NAMESPACE},
        ),
        {"http": 8091},
    )
    return pods


def assert_flows(
    objects: list[dict], flows: list[tuple[str, str, str]], allowed: bool
) -> None:
    policies = objects_of(objects, "NetworkPolicy")
    pods = cluster_pods(objects)
    for source, destination, port_name in flows:
        if source not in pods or destination not in pods:
            continue
        destination_pod, ports = pods[destination]
        port = ports[port_name]
        result = connection_allowed(
            policies, pods[source][0], destination_pod, port, ports
        )
        verb = "allow" if allowed else "deny"
        assert result is allowed, (
            f"policies do not {verb} {source} -> {destination}:{port}"
        )


REQUIRED_FLOWS = [
    ("ingress-controller", "gateway", "http"),
    ("ingress-controller", "todo-read", "http"),
    ("ingress-controller", "frontend", "http"),
    ("gateway", "redis", "redis"),
    ("gateway", "postgresql", "postgresql"),
    ("todo-read", "redis", "redis"),
    ("todo-read", "postgresql", "postgresql"),
    ("agent-worker", "redis", "redis"),
    ("agent-worker", "postgresql", "postgresql"),
    ("agent-worker-migrate", "postgresql", "postgresql"),
    ("agent-worker", "local-llm", "http"),
    ("gateway", "kube-dns", "dns"),
    ("todo-read", "kube-dns", "dns"),
    ("agent-worker", "kube-dns", "dns"),
]
FORBIDDEN_FLOWS = [
    ("ingress-controller", "agent-worker", "metrics"),
    ("ingress-controller", "local-llm", "http"),
    ("ingress-controller", "redis", "redis"),
    ("ingress-controller", "postgresql", "postgresql"),
    ("gateway", "local-llm", "http"),
    ("frontend", "redis", "redis"),
    ("frontend", "postgresql", "postgresql"),
    ("frontend", "gateway", "http"),
    ("local-llm", "redis", "redis"),
    ("local-llm", "kube-dns", "dns"),
    ("todo-read", "gateway", "http"),
    ("redis", "postgresql", "postgresql"),
]


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_network_policies_allow_flows(rendered, value_set):
    assert_flows(rendered[value_set], REQUIRED_FLOWS, allowed=True)


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_network_policies_deny_others(rendered, value_set):
    assert_flows(rendered[value_set], FORBIDDEN_FLOWS, allowed=False)


def test_worker_reaches_scripted_model_in_kind_e2e(rendered):
    objects = rendered["kind-e2e"]
    assert_flows(objects, [("agent-worker", "scripted-llm", "http")], allowed=True)
    env = env_values(main_container(deployment(objects, "agent-worker")))
    assert env["LLM_BASE_URL"] == "http://scripted-llm:8091/v1"


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_default_deny_covers_every_pod(rendered, value_set):
    objects = rendered[value_set]
    deny = named(objects, "NetworkPolicy", f"{RELEASE}-default-deny")
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    for workload in workloads(objects):
        assert selector_matches(deny["spec"]["podSelector"], pod_labels(workload)), (
            workload["metadata"]["name"]
        )


@pytest.mark.parametrize(
    "cidrs",
    [
        "{0.0.0.0/0}",
        "{169.254.0.0/16}",
        "{169.254.169.0/24,10.0.0.0/8}",
    ],
)
def test_metadata_address_never_allowed(render, cidrs):
    objects = render(
        [HELM_DIR / "values-production.yaml"],
        [
            f"global.redis.externalCidrs={cidrs}",
            f"agent-worker.llm.external.cidrs={cidrs}",
        ],
    )
    blocks = list(egress_ip_blocks(objects_of(objects, "NetworkPolicy")))
    assert blocks, "the production values render no ipBlock"
    for block in blocks:
        assert not ip_block_allows(block, METADATA_ADDRESS), block


def test_metadata_cidr_itself_rejected(helm):
    args = template_args(
        [HELM_DIR / "values-production.yaml"],
        ["global.redis.externalCidrs={169.254.169.254/32}"],
    )
    result = run_helm(helm, *args, check=False)
    assert result.returncode != 0
    assert "metadata address" in result.stderr


@pytest.mark.parametrize(
    ("value_set", "hook"),
    [
        ("default", "post-install,pre-upgrade"),
        ("kind", "post-install,pre-upgrade"),
        ("production", "pre-install,pre-upgrade"),
    ],
)
def test_migration_hook_runs_migrate(rendered, value_set, hook):
    objects = rendered[value_set]
    job = named(objects, "Job", f"{fullname('agent-worker')}-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == hook
    container = main_container(job)
    assert container["image"].rsplit(":", 1)[0].endswith("todo-assistant/agent-worker")
    assert container["args"] == ["migrate"]
    assert "command" not in container, "the image's entry point is agent-worker"
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_worker_image_entrypoint_is_console_script():
    dockerfile = (ROOT / "services" / "agent-worker" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["agent-worker"]' in dockerfile
    pyproject = (ROOT / "services" / "agent-worker" / "pyproject.toml").read_text()
    assert 'agent-worker = "agent_worker.main:main"' in pyproject


@pytest.mark.parametrize("value_set", ["default", "production"])
def test_secret_is_hook_only_before_install_migration(rendered, value_set):
    objects = rendered[value_set]
    job = named(objects, "Job", f"{fullname('agent-worker')}-migrate")
    secrets = objects_of(objects, "Secret")
    if value_set == "production":
        assert secrets == [], "production values use an existing Secret"
        return
    (secret,) = secrets
    hook = secret["metadata"].get("annotations", {}).get("helm.sh/hook")
    if "pre-install" in job["metadata"]["annotations"]["helm.sh/hook"]:
        assert hook is not None
    else:
        assert hook is None


def test_secret_composes_internal_urls(rendered):
    (secret,) = objects_of(rendered["default"], "Secret")
    data = {
        key: base64.b64decode(value).decode() for key, value in secret["data"].items()
    }
    assert (
        data["redis-url"]
        == f"redis://:{data['redis-password']}@{fullname('redis')}:6379/0"
    )
    assert data["database-url"].endswith(f"@{fullname('postgresql')}:5432/todo")
    assert len(data["dev-token-secret"]) >= 32


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_worker_grace_exceeds_job_timeout(rendered, value_set):
    objects = rendered[value_set]
    gateway = main_container(deployment(objects, "gateway"))
    job_timeout = int(env_values(gateway)["JOB_TIMEOUT_SECONDS"])
    worker = deployment(objects, "agent-worker")
    assert pod_spec(worker)["terminationGracePeriodSeconds"] > job_timeout
    gateway_env = env_values(gateway)
    gateway_spec = pod_spec(deployment(objects, "gateway"))
    pre_stop = int(gateway["lifecycle"]["preStop"]["exec"]["command"][1])
    shutdown = int(gateway_env["SHUTDOWN_GRACE_SECONDS"])
    assert gateway_spec["terminationGracePeriodSeconds"] > pre_stop + shutdown


@pytest.mark.parametrize("value_set", VALUE_SET_NAMES)
def test_service_ports_agree_with_env(rendered, value_set):
    objects = rendered[value_set]
    for chart, variable in (
        ("gateway", "PORT"),
        ("todo-read", "PORT"),
        ("frontend", "PORT"),
    ):
        workload = deployment(objects, chart)
        env = env_values(main_container(workload))
        assert int(env[variable]) == container_ports(workload)["http"], chart
    if any(w["metadata"]["name"] == fullname("local-llm") for w in workloads(objects)):
        llm = deployment(objects, "local-llm")
        port = int(env_values(main_container(llm))["LOCAL_LLM_PORT"])
        assert port == container_ports(llm)["http"]
        worker_env = env_values(main_container(deployment(objects, "agent-worker")))
        assert worker_env["LLM_BASE_URL"] == f"http://{fullname('local-llm')}:{port}/v1"
        service = named(objects, "Service", fullname("local-llm"))
        assert service["spec"]["ports"][0]["port"] == port
    worker = deployment(objects, "agent-worker")
    metrics = int(env_values(main_container(worker))["WORKER_METRICS_PORT"])
    assert container_ports(worker)["metrics"] == metrics


def test_otel_env_only_when_enabled(rendered):
    for value_set, enabled in (("default", False), ("production", True)):
        objects = rendered[value_set]
        for chart in ("gateway", "agent-worker", "todo-read"):
            env = env_values(main_container(deployment(objects, chart)))
            otel = {name for name in env if name.startswith("OTEL_")}
            if enabled:
                assert {
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "OTEL_SERVICE_NAME",
                    "OTEL_RESOURCE_ATTRIBUTES",
                    "OTEL_TRACES_SAMPLER",
                } <= otel, chart
                assert env["OTEL_SERVICE_NAME"] == chart
                assert (
                    "deployment.environment.name=production"
                    in env["OTEL_RESOURCE_ATTRIBUTES"]
                )
            else:
                assert otel == set(), chart


def test_monitors_only_when_enabled(rendered):
    assert objects_of(rendered["default"], "ServiceMonitor") == []
    assert objects_of(rendered["default"], "PodMonitor") == []
    production = rendered["production"]
    monitored = {
        m["metadata"]["name"] for m in objects_of(production, "ServiceMonitor")
    }
    assert monitored == {fullname("gateway"), fullname("todo-read")}
    (pod_monitor,) = objects_of(production, "PodMonitor")
    assert pod_monitor["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    assert pod_monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_dashboards_load_every_json_file(rendered):
    files = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
    maps = objects_of(rendered["production"], "ConfigMap")
    dashboards = [
        m for m in maps if m["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    assert len(dashboards) == len(files)
    keys = sorted(key for m in dashboards for key in m["data"])
    assert keys == [path.name for path in files]
    for config_map in dashboards:
        for text in config_map["data"].values():
            assert isinstance(json.loads(text), dict)
    assert objects_of(rendered["default"], "ConfigMap") == []


def test_prometheus_rule_matches_alerts_file(rendered):
    alerts = ROOT / "deploy" / "prometheus" / "alerts.yml"
    rules = objects_of(rendered["production"], "PrometheusRule")
    if not alerts.exists():
        assert rules == []
        return
    (rule,) = rules
    assert rule["spec"]["groups"] == yaml.safe_load(alerts.read_text())["groups"]
    assert objects_of(rendered["default"], "PrometheusRule") == []


def test_keda_off_by_default(rendered):
    assert objects_of(rendered["default"], "ScaledObject") == []
    assert "replicas" in deployment(rendered["default"], "agent-worker")["spec"]


@pytest.mark.parametrize(
    "assignment",
    [
        "gateway.config.MAX_BODY_BYTES=lots",
        "agent-worker.config.LLM_TEMPRATURE=0.5",
        "agent-worker.keda.enabled=maybe",
        "global.auth.mode=basic",
        "todo-read.replicaCnt=2",
        "local-llm.config.LOCAL_LLM_MODEL=gpt-5",
        "ingress.enabled=yes",
        "global.redis.externalCidrs={not-a-cidr}",
    ],
)
def test_schema_rejects_invalid_values(helm, assignment):
    result = run_helm(helm, *template_args([], [assignment]), check=False)
    assert result.returncode != 0, f"--set {assignment} was accepted"
    assert "schema" in result.stderr


def test_umbrella_images_match_build_script(rendered):
    output = subprocess.run(
        [str(ROOT / "tools" / "images.sh"), "names"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    built = {ref.split(":")[0] for ref in output.split()}
    used = {
        container["image"].split(":")[0]
        for workload in workloads(rendered["kind"])
        for container, _ in all_containers(workload)
        if "todo-assistant/" in container["image"]
    }
    assert used <= built
    assert {f"todo-assistant/{chart}" for chart in SERVICE_CHARTS} == built


def render_notes(helm: str, tmp_path, values: list, sets: list[str]) -> str:
    """Render NOTES.txt, which `helm template` skips, through `tpl` in a copy of the chart."""
    chart = tmp_path / "todo-assistant"
    shutil.copytree(UMBRELLA, chart, symlinks=False)
    shutil.copy(UMBRELLA / "templates" / "NOTES.txt", chart / "notes.txt")
    (chart / "templates" / "zz-notes.yaml").write_text(
        '# {{ tpl (.Files.Get "notes.txt") . | replace "\\n" "\\n# " }}\n'
    )
    args = [
        "template",
        RELEASE,
        str(chart),
        "--namespace",
        NAMESPACE,
        "--show-only",
        "templates/zz-notes.yaml",
    ]
    for path in values:
        args += ["-f", str(path)]
    for assignment in sets:
        args += ["--set", assignment]
    return run_helm(helm, *args).stdout


def test_notes_name_the_ui_address(helm, tmp_path):
    notes = render_notes(helm, tmp_path / "default", [], [])
    assert "Open the UI at http://<address of the ingress controller>/" in notes
    assert "WARNING: AUTH_MODE is dev" in notes
    production = render_notes(
        helm, tmp_path / "production", [HELM_DIR / "values-production.yaml"], []
    )
    assert "Open the UI at https://todo.example.com/" in production
    assert "WARNING" not in production
    no_ingress = render_notes(
        helm, tmp_path / "no-ingress", [], ["ingress.enabled=false"]
    )
    assert f"port-forward service/{fullname('frontend')} 8080:8080" in no_ingress
