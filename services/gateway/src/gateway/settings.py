"""Gateway settings. Each field name is also its environment variable."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from todo_common.settings import AuthSettings, CommonSettings


class GatewaySettings(CommonSettings, AuthSettings):
    """Everything the gateway reads from its environment, checked at start-up."""

    model_config = SettingsConfigDict(extra="ignore")

    # Maximum chat message length, in characters.
    max_message_chars: int = Field(default=8000, gt=0)
    # Maximum request body size, in bytes. Larger bodies get a 413 response.
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    # How long a worker may spend on one job before RQ stops it, in seconds.
    job_timeout_seconds: int = Field(default=180, gt=0)
    # How long RQ keeps a finished or failed job's record, in seconds.
    job_record_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    # Seconds between SSE comment heartbeats on an idle stream.
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # Redis connections for SSE relays. Each open stream uses one while it waits.
    redis_max_connections: int = Field(default=500, gt=0)
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=10, gt=0)
    # Address and port uvicorn listens on.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    # On SIGTERM, open SSE streams get this long to finish, in seconds.
    shutdown_grace_seconds: int = Field(default=20, gt=0)
