"""Prometheus metrics the services share: HTTP requests and the PostgreSQL pool.

Labels stay bounded: the route template (never the raw path), the method and
the status code. No user, thread or job id is ever a label.
"""

import time
from collections.abc import Callable, Iterable

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import REGISTRY, Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_common.telemetry import trace_ids

HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP requests by method, route template and status; _count is the request count.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
UNMATCHED_ROUTE = "unmatched"


def exemplar() -> dict[str, str] | None:
    """Return the current trace id as an exemplar, linking a histogram bucket to its trace."""
    ids = trace_ids()
    return {"trace_id": ids["trace_id"]} if ids else None


class HttpMetricsMiddleware:
    """Observe each HTTP request's duration under its route template.

    A streaming response (SSE) is observed when it ends, so the stream route's
    latency is the stream's lifetime.
    """

    def __init__(self, app: ASGIApp, skip_paths: Iterable[str] = ("/metrics",)) -> None:
        self.app = app
        self.skip_paths = frozenset(skip_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        skipped = any(path == p or path.startswith(p + "/") for p in self.skip_paths)
        if scope["type"] != "http" or skipped:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", UNMATCHED_ROUTE)
            HTTP_REQUEST_DURATION.labels(
                scope["method"], template, str(status)
            ).observe(time.perf_counter() - started, exemplar=exemplar())


async def metrics_endpoint(request: Request) -> Response:
    """Serve the registry at /metrics, in OpenMetrics (with exemplars) when asked for it."""
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(REGISTRY), media_type=content_type)


class PoolCollector(Collector):
    """Report a psycopg pool's connections at scrape time."""

    def __init__(self, stats: Callable[[], dict[str, int]]) -> None:
        self._stats = stats

    def collect(self) -> Iterable[GaugeMetricFamily]:
        stats = self._stats()
        family = GaugeMetricFamily(
            "db_pool_connections",
            "PostgreSQL pool connections: size (open), available (idle), waiting (requests queued).",
            labels=["state"],
        )
        family.add_metric(["size"], stats.get("pool_size", 0))
        family.add_metric(["available"], stats.get("pool_available", 0))
        family.add_metric(["waiting"], stats.get("requests_waiting", 0))
        yield family


def register_pool(stats: Callable[[], dict[str, int]]) -> PoolCollector:
    """Register a pool collector once per process; return it so it can be unregistered."""
    collector = PoolCollector(stats)
    REGISTRY.register(collector)
    return collector
