"""Static checks of the Dockerfiles: lock-file installs, non-root, read-only friendly, entry points."""

import json
import re
import tomllib

import pytest
from charts import ROOT

PYTHON_SERVICES = {
    "gateway": "gateway",
    "agent-worker": "agent-worker",
    "todo-read": "todo-read",
    "local-llm": "local-llm",
}


def dockerfile(path: str) -> str:
    return (ROOT / path).read_text()


def entrypoint(text: str) -> list[str]:
    match = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE)
    assert match, "no exec-form ENTRYPOINT"
    return json.loads(match.group(1))


@pytest.mark.parametrize("service", list(PYTHON_SERVICES))
def test_python_image_installs_from_lock(service):
    text = dockerfile(f"services/{service}/Dockerfile")
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text
    assert (
        f"uv sync --frozen --no-dev --no-install-workspace --package {service}" in text
    )
    assert f"uv sync --frozen --no-dev --no-editable --package {service}" in text
    assert re.search(r"^ARG UV_VERSION=[0-9]+\.[0-9]+\.[0-9]+$", text, re.MULTILINE)
    assert 'pip install --no-cache-dir "uv==${UV_VERSION}"' in text
    assert text.count("FROM ${BASE_IMAGE}") == 2, (
        "build and run stages share BASE_IMAGE"
    )


@pytest.mark.parametrize(
    "path",
    [f"services/{service}/Dockerfile" for service in PYTHON_SERVICES]
    + ["frontend/Dockerfile"],
)
def test_image_runs_read_only_as_non_root(path):
    text = dockerfile(path)
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users == ["10001:10001"]
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    assert 'VOLUME ["/tmp"]' in text


@pytest.mark.parametrize("service", ["gateway", "todo-read", "agent-worker"])
def test_entrypoint_is_console_script(service):
    scripts = tomllib.loads(
        (ROOT / "services" / service / "pyproject.toml").read_text()
    )["project"]["scripts"]
    command = entrypoint(dockerfile(f"services/{service}/Dockerfile"))
    assert command[0] in scripts


def test_local_llm_entrypoint_runs_console_script():
    text = dockerfile("services/local-llm/Dockerfile")
    assert entrypoint(text) == ["/usr/local/bin/local-llm-entrypoint"]
    assert re.search(r'^CMD \["serve"\]$', text, re.MULTILINE)
    script = (ROOT / "deploy" / "images" / "local-llm-entrypoint.sh").read_text()
    assert 'exec local-llm "$@"' in script
    # The model is fetched and verified at build time, into the image.
    assert "local-llm fetch --model" in text
    assert "LOCAL_LLM_CACHE_DIR=/tmp/models" in text


def test_frontend_image_has_node_builder_and_server_args():
    text = dockerfile("frontend/Dockerfile")
    assert "ARG NODE_IMAGE=" in text
    assert "ARG SERVER_IMAGE=python:3.11-slim-bookworm" in text
    assert "npm ci" in text
    assert entrypoint(text)[:2] == ["python3", "/app/static_server.py"]


def test_dockerignore_keeps_context_small():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in ("**/.venv", "**/node_modules", ".git", "frontend/dist"):
        assert pattern in ignored
