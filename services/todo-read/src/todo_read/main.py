"""todo-read entry point: builds the FastAPI app and runs it under uvicorn."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from todo_common.auth import TokenVerifier
from todo_common.logs import configure_logging
from todo_common.metrics import HttpMetricsMiddleware, metrics_endpoint, register_pool
from todo_common.telemetry import (
    configure_tracing,
    instrument_libraries,
    tracing_enabled,
)
from todo_common.web import (
    check_schema,
    health_router,
    install_common_handlers,
    open_pool,
)

from todo_read.routes import router
from todo_read.settings import TodoReadSettings

log = structlog.get_logger(__name__)


def create_app(settings: TodoReadSettings) -> FastAPI:
    """Build the app; connections open in its lifespan, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.verifier = TokenVerifier(settings)
        app.state.pool = await open_pool(
            settings.database_url, settings.db_pool_min_size, settings.db_pool_max_size
        )
        # Redis is used only by the readiness check.
        app.state.redis = Redis.from_url(str(settings.redis_url))
        collector = register_pool(app.state.pool.get_stats)
        log.info("todo_read.started", auth_mode=settings.auth_mode)
        try:
            yield
        finally:
            REGISTRY.unregister(collector)
            await app.state.redis.aclose()
            await app.state.pool.close()
            log.info("todo_read.stopped")

    app = FastAPI(
        title="To-do assistant memory API",
        summary="Read-only access to the caller's to-dos, profile and threads.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(router)
    app.include_router(health_router())
    install_common_handlers(app)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if tracing_enabled():
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app


def main() -> None:
    """Run todo-read with settings from the environment."""
    settings = TodoReadSettings()  # type: ignore[call-arg]
    configure_logging(settings.log_format, settings.log_level)
    shutdown_tracing = configure_tracing("todo-read")
    instrument_libraries()
    check_schema(settings.database_url)
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_config=None
    )
    shutdown_tracing()
