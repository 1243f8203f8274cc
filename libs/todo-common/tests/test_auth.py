"""Token verification in dev mode and against an OIDC issuer's JWKS."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from todo_common.auth import InvalidTokenError, TokenVerifier, issue_dev_token
from todo_common.settings import AuthSettings

SECRET = "k" * 40
ISSUER = "https://issuer.test/"
AUDIENCE = "todo-api"


def dev_settings(secret: str = SECRET) -> AuthSettings:
    return AuthSettings(auth_mode="dev", dev_token_secret=secret)


def test_dev_token_round_trip():
    settings = dev_settings()
    assert TokenVerifier(settings).verify(issue_dev_token(settings, "alice")) == "alice"


def test_dev_token_signed_with_other_secret_rejected():
    other = dev_settings("z" * 40)
    with pytest.raises(InvalidTokenError):
        TokenVerifier(dev_settings()).verify(issue_dev_token(other, "alice"))


def test_expired_dev_token_rejected():
    claims = {
        "sub": "alice",
        "iss": "todo-assistant-dev",
        "aud": "todo-assistant",
        "exp": 1,
    }
    token = jwt.encode(claims, SECRET, "HS256")
    with pytest.raises(InvalidTokenError, match="expired"):
        TokenVerifier(dev_settings()).verify(token)


def test_dev_token_needs_dev_mode():
    settings = AuthSettings(
        auth_mode="oidc",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url="http://x",
    )
    with pytest.raises(RuntimeError, match="AUTH_MODE=dev"):
        issue_dev_token(settings, "alice")


@pytest.fixture(scope="module")
def issuer():
    """Serve a JWKS on loopback and yield (settings, signing key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps(
        {"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]}
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = AuthSettings(
        auth_mode="oidc",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=f"http://127.0.0.1:{server.server_port}/jwks",
    )
    yield settings, key
    server.shutdown()


def oidc_token(key, **claims) -> str:
    now = int(time.time())
    base = {
        "sub": "user-123",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 60,
    }
    return jwt.encode({**base, **claims}, key, "RS256", headers={"kid": "test-key"})


def test_oidc_token_verified_against_jwks(issuer):
    settings, key = issuer
    assert TokenVerifier(settings).verify(oidc_token(key)) == "user-123"


@pytest.mark.parametrize(
    "claims", [{"aud": "someone-else"}, {"iss": "https://evil.test/"}, {"exp": 10}]
)
def test_oidc_token_with_wrong_claims_rejected(issuer, claims):
    settings, key = issuer
    with pytest.raises(InvalidTokenError):
        TokenVerifier(settings).verify(oidc_token(key, **claims))


def test_oidc_rejects_hs256_token_with_public_key_confusion(issuer):
    settings, _ = issuer
    forged = jwt.encode(
        {"sub": "x", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60},
        "a-guessed-shared-secret-of-32-bytes!",
        "HS256",
        headers={"kid": "test-key"},
    )
    with pytest.raises(InvalidTokenError):
        TokenVerifier(settings).verify(forged)


@pytest.mark.parametrize("subject", ["a" * 256, "nul\x00byte", "lone \ud800 surrogate"])
def test_unstorable_subject_rejected(subject):
    settings = dev_settings()
    claims = {
        "sub": subject,
        "iss": "todo-assistant-dev",
        "aud": "todo-assistant",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode(claims, SECRET, "HS256")
    with pytest.raises(InvalidTokenError, match="sub"):
        TokenVerifier(settings).verify(token)
