"""`local-llm serve` with the smallest real model, driven over HTTP."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from local_llm.fetch import FetchError, fetch_model
from local_llm.manifest import SMOLLM2_135M
from local_llm.settings import LocalLLMSettings

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 120

TODO_SCHEMA = {
    "type": "object",
    "properties": {
        "task": {"type": "string"},
        "deadline": {"type": ["string", "null"]},
        "done": {"type": "boolean"},
    },
    "required": ["task", "deadline", "done"],
    "additionalProperties": False,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def model_cache_dir() -> Path:
    """Cache folder that contains the verified SmolLM2 file, fetched when missing."""
    cache_dir = LocalLLMSettings().cache_dir
    try:
        fetch_model(SMOLLM2_135M, cache_dir)
    except FetchError as error:
        pytest.skip(
            f"{SMOLLM2_135M.name} is not in {cache_dir} and cannot be fetched: {error}"
        )
    return cache_dir


class ServeProcess:
    """A `local-llm serve` child process and the file that collects its log."""

    def __init__(self, cache_dir: Path, log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {
            **os.environ,
            "LOCAL_LLM_MODEL": SMOLLM2_135M.name,
            "LOCAL_LLM_CACHE_DIR": str(cache_dir),
            "LOCAL_LLM_HOST": "127.0.0.1",
            "LOCAL_LLM_PORT": str(self.port),
            "LOCAL_LLM_CTX_SIZE": "2048",
            "LOCAL_LLM_PARALLEL": "1",
            "LOCAL_LLM_LOG_FORMAT": "json",
        }
        self._log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_llm", "serve"],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"serve exited with {self.process.returncode} before it was "
                    f"healthy; its log:\n{self.log()}"
                )
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(
            f"serve was not healthy within {STARTUP_TIMEOUT_SECONDS} s; "
            f"its log:\n{self.log()}"
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()
        return self.process.returncode


@pytest.fixture(scope="module")
def server(
    model_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServeProcess]:
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    serve_process = ServeProcess(model_cache_dir, log_path)
    try:
        serve_process.wait_until_healthy()
        yield serve_process
    finally:
        serve_process.stop()


def test_models_lists_manifest_name(server: ServeProcess) -> None:
    response = httpx.get(f"{server.base_url}/v1/models", timeout=10)

    assert response.status_code == 200
    ids = [model["id"] for model in response.json()["data"]]
    assert ids == [SMOLLM2_135M.name]


def test_streamed_chat_yields_several_chunks(server: ServeProcess) -> None:
    request = {
        "model": SMOLLM2_135M.name,
        "messages": [{"role": "user", "content": "Tell me about your morning."}],
        "max_tokens": 30,
        "stream": True,
    }
    content_chunks: list[str] = []
    data_lines: list[str] = []
    with httpx.stream(
        "POST",
        f"{server.base_url}/v1/chat/completions",
        json=request,
        timeout=REQUEST_TIMEOUT_SECONDS,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            data = line.removeprefix("data: ")
            data_lines.append(data)
            if data == "[DONE]":
                continue
            for choice in json.loads(data)["choices"]:
                if choice["delta"].get("content"):
                    content_chunks.append(choice["delta"]["content"])

    assert data_lines[-1] == "[DONE]"
    assert len(content_chunks) >= 5
    assert "".join(content_chunks).strip()


def test_json_schema_completion_matches_schema(server: ServeProcess) -> None:
    request = {
        "model": SMOLLM2_135M.name,
        "messages": [
            {"role": "system", "content": "Reply with one to-do as JSON."},
            {"role": "user", "content": "Remind me to call the dentist by Friday."},
        ],
        "max_tokens": 120,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "todo", "strict": True, "schema": TODO_SCHEMA},
        },
    }

    response = httpx.post(
        f"{server.base_url}/v1/chat/completions",
        json=request,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )

    assert response.status_code == 200
    content = response.json()["choices"][0]["message"]["content"]
    todo = json.loads(content)
    assert set(todo) == {"task", "deadline", "done"}
    assert isinstance(todo["task"], str)
    assert todo["deadline"] is None or isinstance(todo["deadline"], str)
    assert isinstance(todo["done"], bool)


def test_serve_stops_on_sigterm(model_cache_dir: Path, tmp_path: Path) -> None:
    serve_process = ServeProcess(model_cache_dir, tmp_path / "serve.log")
    try:
        serve_process.wait_until_healthy()
    finally:
        returncode = serve_process.stop()

    events = [
        json.loads(line)["event"]
        for line in serve_process.log().splitlines()
        if line.startswith("{")
    ]
    assert returncode == 0, serve_process.log()
    assert "server_started" in events
    assert "server_stopping" in events
    assert events[-1] == "server_stopped"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{serve_process.base_url}/health", timeout=2)
