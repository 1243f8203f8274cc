"""The gateway app in process: auth modes, readiness and configuration checks."""

import pytest
from fastapi.testclient import TestClient
from gateway.main import create_app
from gateway.settings import GatewaySettings

SECRET = "g" * 40


def settings(database_url: str, redis_url: str, **overrides) -> GatewaySettings:
    values = {
        "database_url": database_url,
        "redis_url": redis_url,
        "auth_mode": "dev",
        "dev_token_secret": SECRET,
        **overrides,
    }
    return GatewaySettings(**values)


@pytest.fixture
def oidc_client(database_url, redis_url):
    config = settings(
        database_url,
        redis_url,
        auth_mode="oidc",
        oidc_issuer="https://issuer.test/",
        oidc_audience="todo-api",
        oidc_jwks_url="http://127.0.0.1:9/jwks",
        oidc_client_id="todo-ui",
    )
    with TestClient(create_app(config)) as client:
        yield client


def test_dev_token_answers_404_in_oidc_mode(oidc_client):
    response = oidc_client.post("/auth/dev-token", json={"user": "alice"})
    assert response.status_code == 404


def test_auth_config_describes_oidc(oidc_client):
    assert oidc_client.get("/auth/config").json() == {
        "mode": "oidc",
        "issuer": "https://issuer.test/",
        "audience": "todo-api",
        "client_id": "todo-ui",
    }


def test_readyz_names_unreachable_redis(database_url):
    config = settings(database_url, "redis://127.0.0.1:9/0")
    with TestClient(create_app(config)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["redis"]}


def test_readyz_names_unreachable_postgres(redis_url):
    config = settings("postgresql://postgres@127.0.0.1:9/none", redis_url)
    with TestClient(create_app(config)) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["postgres"]}


def test_new_chat_answers_503_when_queue_down(database_url):
    config = settings(database_url, "redis://127.0.0.1:9/0")
    with TestClient(create_app(config)) as client:
        token = client.post("/auth/dev-token", json={"user": "alice"}).json()[
            "access_token"
        ]
        response = client.post(
            "/chat/new",
            json={"message": "Remind me to test the queue"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 503
        assert "not sent" in response.json()["detail"]


def test_openapi_lists_chat_routes(database_url, redis_url):
    with TestClient(create_app(settings(database_url, redis_url))) as client:
        paths = client.get("/openapi.json").json()["paths"]
    for path in ("/chat/new", "/chat/continue", "/stream/{job_id}", "/jobs/{job_id}"):
        assert path in paths


def test_settings_reject_bad_url():
    with pytest.raises(ValueError, match="redis_url"):
        GatewaySettings(
            database_url="postgresql://x/y",
            redis_url="not-a-url",
            auth_mode="dev",
            dev_token_secret=SECRET,
        )
