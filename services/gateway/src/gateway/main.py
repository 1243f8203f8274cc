"""Gateway entry point: builds the FastAPI app and runs it under uvicorn."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
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
    BodySizeLimitMiddleware,
    check_schema,
    health_router,
    install_common_handlers,
    open_pool,
)

from gateway.errors import install_error_handlers
from gateway.metrics import QueueCollector
from gateway.queue import JobQueue
from gateway.routes import auth, chat, stream
from gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)

# Probes and scrapes would drown the traces that matter.
UNTRACED_URLS = "healthz,readyz,metrics"


def create_app(settings: GatewaySettings) -> FastAPI:
    """Build the app; connections open in its lifespan, not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_url = str(settings.redis_url)
        app.state.settings = settings
        app.state.verifier = TokenVerifier(settings)
        app.state.pool = await open_pool(
            settings.database_url, settings.db_pool_min_size, settings.db_pool_max_size
        )
        # A relay blocks in XREAD for one heartbeat interval, so reads must be
        # allowed to take longer than that; redis-py's default is shorter.
        app.state.redis = Redis.from_url(
            redis_url,
            max_connections=settings.redis_max_connections,
            socket_timeout=settings.stream_heartbeat_seconds + 10,
        )
        sync_redis = redis.Redis.from_url(redis_url)
        app.state.queue = JobQueue(
            sync_redis, settings.job_timeout_seconds, settings.job_record_ttl_seconds
        )
        queue_collector = QueueCollector(sync_redis)
        REGISTRY.register(queue_collector)
        collectors = [register_pool(app.state.pool.get_stats), queue_collector]
        log.info("gateway.started", auth_mode=settings.auth_mode)
        try:
            yield
        finally:
            for collector in collectors:
                REGISTRY.unregister(collector)
            await app.state.redis.aclose()
            sync_redis.close()
            await app.state.pool.close()
            log.info("gateway.stopped")

    app = FastAPI(
        title="To-do assistant gateway",
        summary="Chat API: enqueue messages for the agent and stream its replies.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetricsMiddleware)
    install_error_handlers(app)
    for module in (auth, chat, stream):
        app.include_router(module.router)
    app.include_router(health_router())
    install_common_handlers(app)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if tracing_enabled():
        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)
    return app


def main() -> None:
    """Run the gateway with settings from the environment."""
    settings = GatewaySettings()  # type: ignore[call-arg]
    configure_logging(settings.log_format, settings.log_level)
    shutdown_tracing = configure_tracing("gateway")
    instrument_libraries()
    check_schema(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    shutdown_tracing()
