"""Settings every service shares. Each field name is also its environment variable."""

from typing import Literal

from pydantic import Field, RedisDsn, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "dev", ""})


class CommonSettings(BaseSettings):
    """Connection strings and logging, read once at start-up."""

    model_config = SettingsConfigDict(extra="ignore")

    # redis://host:port/db of the queue and the job streams.
    redis_url: RedisDsn
    # libpq connection string or URL of the PostgreSQL database.
    database_url: str = Field(min_length=1)
    # "json" in containers; "console" for people reading a terminal.
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"


class AuthSettings(BaseSettings):
    """Bearer-token verification settings: locally issued tokens in dev, OIDC otherwise."""

    model_config = SettingsConfigDict(extra="ignore")

    auth_mode: Literal["dev", "oidc"] = "oidc"
    # HMAC key of dev tokens; at least 32 characters, required in dev mode.
    dev_token_secret: SecretStr = SecretStr("")
    dev_token_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    # The OIDC issuer URL, the audience tokens must carry and the JWKS URL.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    # Client id the browser uses to start an OIDC login (shown by /auth/config).
    oidc_client_id: str | None = None

    @model_validator(mode="after")
    def check_mode(self) -> "AuthSettings":
        if self.auth_mode == "dev":
            secret = self.dev_token_secret.get_secret_value()
            if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
                raise ValueError(
                    "DEV_TOKEN_SECRET must be set to at least 32 random characters "
                    "when AUTH_MODE=dev."
                )
        else:
            missing = [
                name
                for name in ("oidc_issuer", "oidc_audience", "oidc_jwks_url")
                if not getattr(self, name)
            ]
            if missing:
                names = ", ".join(name.upper() for name in missing)
                raise ValueError(f"AUTH_MODE=oidc requires {names} to be set.")
        return self
