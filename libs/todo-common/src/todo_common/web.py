"""Plumbing the two HTTP services share: connection pools, schema check, body limit."""

from typing import Annotated

import psycopg
import structlog
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import AsyncConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_common.auth import InvalidTokenError, TokenVerifier
from todo_common.readiness import failed_dependencies
from todo_common.schema import pending_migrations

log = structlog.get_logger(__name__)


class SchemaNotMigratedError(RuntimeError):
    """The database is reachable but the migration step has not run."""


async def open_pool(
    database_url: str, min_size: int, max_size: int
) -> AsyncConnectionPool:
    """Open an autocommit pool without waiting, so a down database does not block start-up."""
    pool = AsyncConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"autocommit": True},
        open=False,
    )
    await pool.open(wait=False)
    return pool


def check_schema(database_url: str) -> None:
    """Fail start-up when the database is reachable but lacks migrations.

    An unreachable database only logs a warning: readiness reports it, and the
    pod starts serving once the database is back.
    """
    try:
        with psycopg.connect(database_url, connect_timeout=3) as conn:
            pending = pending_migrations(conn)
    except psycopg.OperationalError as exc:
        log.warning(
            "schema.check_skipped", reason="database unreachable", error=str(exc)
        )
        return
    if pending:
        raise SchemaNotMigratedError(
            f"Database schema is missing migrations {pending}; run `agent-worker migrate` first."
        )


class BodySizeLimitMiddleware:
    """Respond 413 to a request whose declared or streamed body exceeds `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > self.max_bytes:
                await self._reject(send)
                return
            await self.app(scope, receive, send)
            return
        if headers.get(b"transfer-encoding", b"").lower() != b"chunked":
            await self.app(scope, receive, send)
            return
        # A chunked body has no declared size: read it here, up to the limit,
        # and hand the app a replay, so the app never reads a truncated body.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        body = f'{{"detail":"Request body is larger than {self.max_bytes} bytes."}}'.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_common_handlers(app: FastAPI) -> None:
    """Return validation errors without echoing the input, and crashes as JSON.

    FastAPI's default 422 repeats each invalid input, which fails to encode
    NaN or infinite floats (a 500) and can return a larger body than the
    request. A crash gets `{"detail": ...}` like every other error, and its
    traceback goes to the log, never to the client.
    """

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": list(error.get("loc", ())),
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
            for error in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "request.failed", method=request.method, path=request.url.path, exc_info=exc
        )
        return JSONResponse(
            status_code=500, content={"detail": "Internal server error."}
        )


bearer = HTTPBearer(auto_error=False)


async def get_user_id(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """Return the caller's user id, the `sub` of a valid bearer token.

    The app keeps its TokenVerifier in `app.state.verifier`.
    """
    if credentials is None:
        raise HTTPException(
            status_code=401,
            detail="Missing bearer token: send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return await run_in_threadpool(verifier.verify, credentials.credentials)
    except InvalidTokenError as exc:
        raise HTTPException(
            status_code=401,
            detail="Invalid or expired bearer token; sign in again.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


def health_router() -> APIRouter:
    """Build `/healthz` and `/readyz` over `app.state.redis` and `app.state.pool`."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Return 200 while the process runs."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Return 200 when Redis and PostgreSQL respond, else 503 naming those that failed."""
        state = request.app.state
        failed = await failed_dependencies(state.redis, state.pool)
        if failed:
            return JSONResponse(
                status_code=503, content={"status": "unavailable", "failed": failed}
            )
        return JSONResponse(content={"status": "ok"})

    return router
