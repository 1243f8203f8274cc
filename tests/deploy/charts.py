"""Paths, names and helm helpers the chart tests share."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "deploy" / "helm"
UMBRELLA = HELM_DIR / "todo-assistant"
SERVICE_CHARTS = ["gateway", "agent-worker", "todo-read", "local-llm", "frontend"]
ALL_CHARTS = ["todo-lib", *SERVICE_CHARTS, "todo-assistant"]
RELEASE = "todo"
NAMESPACE = "todo"
# Value files of the umbrella that must render: name -> files, in order.
VALUE_SETS = {
    "default": [],
    "kind": [ROOT / "deploy" / "kind" / "values-kind.yaml"],
    "kind-e2e": [
        ROOT / "deploy" / "kind" / "values-kind.yaml",
        ROOT / "deploy" / "kind" / "values-kind-e2e.yaml",
    ],
    "production": [HELM_DIR / "values-production.yaml"],
}


def run_helm(
    binary: str, *args: str, check: bool = True
) -> subprocess.CompletedProcess:
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"helm {' '.join(args)} failed with exit code {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def template_args(values: list[Path], sets: list[str]) -> list[str]:
    args = ["template", RELEASE, str(UMBRELLA), "--namespace", NAMESPACE]
    for path in values:
        args += ["-f", str(path)]
    for assignment in sets:
        args += ["--set", assignment]
    return args
