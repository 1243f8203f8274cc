"""Settings fail at start-up on unsafe or incomplete configuration."""

import pytest
from pydantic import ValidationError
from todo_common.settings import AuthSettings


@pytest.mark.parametrize("secret", ["", "changeme", "short-secret"])
def test_dev_mode_rejects_weak_secret(secret):
    with pytest.raises(ValidationError, match="DEV_TOKEN_SECRET"):
        AuthSettings(auth_mode="dev", dev_token_secret=secret)


def test_dev_mode_accepts_long_secret():
    settings = AuthSettings(auth_mode="dev", dev_token_secret="s" * 32)
    assert settings.auth_mode == "dev"


def test_oidc_mode_names_missing_settings():
    with pytest.raises(ValidationError, match="OIDC_AUDIENCE, OIDC_JWKS_URL"):
        AuthSettings(auth_mode="oidc", oidc_issuer="https://issuer.test")


def test_default_mode_is_oidc(monkeypatch):
    monkeypatch.delenv("AUTH_MODE", raising=False)
    with pytest.raises(ValidationError, match="AUTH_MODE=oidc requires"):
        AuthSettings()
