"""Bearer-token verification shared by the gateway and todo-read.

In dev mode the gateway issues HS256 tokens signed with `DEV_TOKEN_SECRET`. In
OIDC mode tokens are RS256/ES256 tokens of the configured issuer, checked
against its JWKS. Either way the user id is the token's `sub`.
"""

import re
import time

import jwt
import jwt.types

from todo_common.settings import AuthSettings

DEV_ISSUER = "todo-assistant-dev"
DEV_AUDIENCE = "todo-assistant"
DEV_USER_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MAX_SUBJECT_CHARS = 255
OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class InvalidTokenError(Exception):
    """The bearer token is missing, malformed, expired or not signed by a trusted key."""


class TokenVerifier:
    """Check bearer tokens and return the user id they carry."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks: jwt.PyJWKClient | None = None
        if settings.auth_mode == "oidc" and settings.oidc_jwks_url:
            # PyJWKClient caches the key set and refetches it for an unknown key id.
            self._jwks = jwt.PyJWKClient(settings.oidc_jwks_url, cache_keys=True)

    def verify(self, token: str) -> str:
        """Return the token's subject. This may fetch the JWKS, so call it off the event loop."""
        try:
            claims = self._decode(token)
        except (jwt.PyJWTError, jwt.PyJWKClientError) as exc:
            raise InvalidTokenError(str(exc)) from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidTokenError("Token has no 'sub' claim.")
        # The subject is stored as the owner of every row, so it must fit an
        # index and be text PostgreSQL can store.
        if len(subject) > MAX_SUBJECT_CHARS or "\x00" in subject:
            raise InvalidTokenError("Token 'sub' is too long or contains NUL.")
        try:
            subject.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidTokenError("Token 'sub' is not valid Unicode.") from exc
        return subject

    def _decode(self, token: str) -> dict:
        options: jwt.types.Options = {"require": ["exp", "iss", "aud", "sub"]}
        if self._settings.auth_mode == "dev":
            return jwt.decode(
                token,
                self._settings.dev_token_secret.get_secret_value(),
                algorithms=["HS256"],
                audience=DEV_AUDIENCE,
                issuer=DEV_ISSUER,
                options=options,
            )
        assert self._jwks is not None
        key = self._jwks.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=OIDC_ALGORITHMS,
            audience=self._settings.oidc_audience,
            issuer=self._settings.oidc_issuer,
            options=options,
        )


def issue_dev_token(settings: AuthSettings, user: str) -> str:
    """Sign a dev-mode token for `user`; only the gateway's dev endpoint calls this."""
    if settings.auth_mode != "dev":
        raise RuntimeError("Dev tokens are issued only when AUTH_MODE=dev.")
    now = int(time.time())
    claims = {
        "sub": user,
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": now,
        "exp": now + settings.dev_token_ttl_seconds,
    }
    return jwt.encode(claims, settings.dev_token_secret.get_secret_value(), "HS256")
