import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
from local_llm.manifest import MODELS
from local_llm.settings import DEFAULT_MODEL, LocalLLMSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOCAL_LLM_MODEL", "LOCAL_LLM_CACHE_DIR", "LOCAL_LLM_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    settings = LocalLLMSettings()

    assert settings.model == DEFAULT_MODEL
    assert DEFAULT_MODEL in MODELS
    assert settings.host == "127.0.0.1"
    assert settings.port == 8081
    assert settings.cache_dir == tmp_path / "todo-assistant" / "models"


def test_settings_cache_dir_without_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    settings = LocalLLMSettings()

    assert settings.cache_dir == Path.home() / ".cache" / "todo-assistant" / "models"


def test_settings_read_prefixed_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOCAL_LLM_MODEL", "smollm2-135m")
    monkeypatch.setenv("LOCAL_LLM_PORT", "9999")
    monkeypatch.setenv("LOCAL_LLM_CACHE_DIR", "~/models")

    settings = LocalLLMSettings()

    assert settings.model == "smollm2-135m"
    assert settings.port == 9999
    assert settings.cache_dir == Path.home() / "models"


def test_settings_reject_unknown_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_LLM_MODEL", "gpt-5")

    with pytest.raises(pydantic.ValidationError, match="unknown model 'gpt-5'"):
        LocalLLMSettings()


def test_cli_exits_2_on_invalid_settings(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LOCAL_LLM_MODEL": "gpt-5"}

    result = subprocess.run(
        [sys.executable, "-m", "local_llm", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "invalid_settings" in result.stderr
    assert "unknown model 'gpt-5'" in result.stderr
