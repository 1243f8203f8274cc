"""Run llama.cpp's OpenAI-compatible HTTP server in this process through xllamacpp.

`xllamacpp.Server(params)` loads the model, binds the socket and serves from
background threads until the object is deallocated, so `LocalServer` keeps the
only reference and drops it to stop the server.
"""

import signal
import socket
from pathlib import Path
from types import TracebackType

import structlog
import xllamacpp

from local_llm.fetch import fetch_model
from local_llm.manifest import MODELS, ModelSpec
from local_llm.settings import LocalLLMSettings

log = structlog.get_logger(__name__)


class ServeError(Exception):
    """The server could not start."""


def build_params(
    settings: LocalLLMSettings, spec: ModelSpec, gguf_path: Path
) -> xllamacpp.CommonParams:
    """Translate the settings into xllamacpp's server parameters."""
    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path)
    # /v1/models lists the model under its manifest name instead of the path.
    params.model_alias = {spec.name}
    params.hostnames = [settings.host]
    params.port = settings.port
    params.n_ctx = settings.ctx_size
    params.n_parallel = settings.parallel
    params.n_predict = settings.default_max_tokens
    if settings.threads is not None:
        params.cpuparams.n_threads = settings.threads
        params.cpuparams_batch.n_threads = settings.threads
    params.endpoint_metrics = True
    params.verbosity = settings.llama_log_verbosity
    return params


def check_port_free(host: str, port: int) -> None:
    """Raise ServeError when host:port cannot be bound.

    xllamacpp reports a busy port only as "Failed to init server", so this
    check runs first to name the cause. Another process can still take the
    port between this check and the server's own bind.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(
                f"cannot listen on {host}:{port}: {error.strerror}. Stop the "
                "other process or set LOCAL_LLM_PORT to a free port."
            ) from error


class LocalServer:
    """Context manager that runs the llama.cpp server while the block runs."""

    def __init__(self, params: xllamacpp.CommonParams) -> None:
        self._params = params
        self._server: xllamacpp.Server | None = None

    @property
    def address(self) -> str:
        """Base URL of the running server, such as http://127.0.0.1:8081."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return str(self._server.listening_address)

    def __enter__(self) -> "LocalServer":
        try:
            self._server = xllamacpp.Server(self._params)
        except RuntimeError as error:
            raise ServeError(
                f"llama.cpp failed to start with model {self._params.model.path} "
                f"on port {self._params.port}: {error} Its log lines above name "
                "the cause."
            ) from error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Dropping the last reference runs the C++ destructor, which stops the
        # HTTP server and joins its threads before returning.
        self._server = None


def serve(settings: LocalLLMSettings) -> None:
    """Fetch the model if needed, then serve it until SIGTERM or SIGINT."""
    spec = MODELS[settings.model]
    gguf_path = fetch_model(spec, settings.cache_dir)
    check_port_free(settings.host, settings.port)
    params = build_params(settings, spec, gguf_path)

    # Blocked before xllamacpp creates its threads, so they inherit the mask
    # and both signals stay pending for sigwait below. A signal during model
    # loading therefore stops the server as soon as it is up.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        log.info(
            "server_starting",
            model=spec.name,
            model_path=str(gguf_path),
            host=settings.host,
            port=settings.port,
            ctx_size=settings.ctx_size,
            parallel=settings.parallel,
            threads=settings.threads,
        )
        with LocalServer(params) as server:
            log.info(
                "server_started",
                model=spec.name,
                model_path=str(gguf_path),
                address=server.address,
            )
            received = signal.sigwait(stop_signals)
            log.info(
                "server_stopping",
                model=spec.name,
                signal=signal.Signals(received).name,
            )
        log.info("server_stopped", model=spec.name)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
