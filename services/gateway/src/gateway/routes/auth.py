"""Sign-in support: the auth mode the UI should use, and dev tokens."""

from fastapi import APIRouter, HTTPException
from todo_common.auth import issue_dev_token

from gateway.deps import Settings
from gateway.models import AuthConfig, DevTokenRequest, TokenResponse

router = APIRouter(prefix="/auth", tags=["auth"])


@router.get("/config")
async def auth_config(settings: Settings) -> AuthConfig:
    """Tell the browser how to sign in."""
    return AuthConfig(
        mode=settings.auth_mode,
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        client_id=settings.oidc_client_id,
    )


@router.post("/dev-token")
async def dev_token(body: DevTokenRequest, settings: Settings) -> TokenResponse:
    """Issue a token for any user name; exists only when AUTH_MODE=dev."""
    if settings.auth_mode != "dev":
        raise HTTPException(status_code=404, detail="Not Found")
    return TokenResponse(
        access_token=issue_dev_token(settings, body.user),
        expires_in=settings.dev_token_ttl_seconds,
    )
