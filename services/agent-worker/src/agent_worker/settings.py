"""Worker settings. Each field name is also its environment variable."""

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from todo_common.settings import CommonSettings

LOCAL_LLM_URL = "http://127.0.0.1:8081/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
LOCAL_DEFAULT_MODEL = "local"


class WorkerSettings(CommonSettings):
    """Everything the worker reads from its environment, checked at start-up."""

    model_config = SettingsConfigDict(extra="ignore")

    # OpenAI-compatible endpoint. Unset with LLM_API_KEY set means OpenAI; both
    # unset means the bundled local-llm server at LOCAL_LLM_URL.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    # Model name sent to the endpoint; the default depends on the endpoint.
    llm_model: str | None = None
    llm_temperature: float = Field(default=0.2, ge=0, le=2)
    # Seconds one model request may take, and retries on connection errors
    # (xllamacpp sometimes drops a reused keep-alive connection after a stream).
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0)
    # Maximum reply length, in tokens.
    llm_max_tokens: int = Field(default=400, gt=0)
    # Structured-output attempts before the job fails with an error event.
    decision_attempts: int = Field(default=2, ge=1, le=5)
    # Earlier messages of the thread sent with each reply request.
    history_messages: int = Field(default=12, ge=0)
    # To-dos listed in the decision prompt (most recently updated first).
    prompt_todo_limit: int = Field(default=40, gt=0)
    # Milliseconds of model output gathered into one token event after the first.
    token_batch_ms: int = Field(default=30, ge=0)
    # Name of this worker in RQ; defaults to host name and pid.
    worker_name: str | None = None
    db_pool_max_size: int = Field(default=4, gt=0)
    # Address and port of the worker's Prometheus /metrics endpoint; the chart
    # sets 0.0.0.0 so Prometheus can reach it on the pod IP.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=8002, gt=0, lt=65536)

    @model_validator(mode="after")
    def check_llm(self) -> "WorkerSettings":
        if self.llm_base_url is not None and not self.llm_base_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(
                f"LLM_BASE_URL must be an http(s) URL, got {self.llm_base_url!r}."
            )
        return self

    @property
    def uses_local_llm(self) -> bool:
        return self.llm_base_url is None and self.llm_api_key is None

    def resolved_llm(self) -> tuple[str | None, str, str]:
        """Return the base URL, API key and model name the worker will use."""
        if self.uses_local_llm:
            return LOCAL_LLM_URL, "not-needed", self.llm_model or LOCAL_DEFAULT_MODEL
        key = self.llm_api_key.get_secret_value() if self.llm_api_key else "not-needed"
        default_model = (
            OPENAI_DEFAULT_MODEL if self.llm_base_url is None else LOCAL_DEFAULT_MODEL
        )
        return self.llm_base_url, key, self.llm_model or default_model
