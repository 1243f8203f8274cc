"""Prometheus metrics of the gateway: streams relayed, jobs enqueued, the queue itself."""

import time
from collections.abc import Iterable

import redis
import structlog
from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rq.utils import utcparse
from todo_common.keys import QUEUE_NAME

log = structlog.get_logger(__name__)

SSE_STREAMS_ACTIVE = Gauge("sse_streams_active", "SSE streams open to browsers.")
SSE_EVENTS_RELAYED = Counter(
    "sse_events_relayed_total",
    "Stream events sent to browsers, by event type.",
    ["event"],
)
JOBS_ENQUEUED = Counter(
    "chat_jobs_enqueued_total", "Chat jobs enqueued, by endpoint.", ["kind"]
)
ENQUEUE_FAILURES = Counter(
    "chat_enqueue_failures_total", "Chat jobs Redis refused to enqueue."
)
ABANDONED_RUNS = Counter(
    "chat_runs_abandoned_total",
    "Runs the gateway ended because their job was lost or stuck.",
)


class QueueCollector(Collector):
    """Report the RQ queue's depth and the age of its oldest job at scrape time.

    The gateway reports it, not the workers, so the numbers stay visible when
    the workers have scaled to zero.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._queue_key = f"rq:queue:{QUEUE_NAME}"

    def collect(self) -> Iterable[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "chat_queue_depth", "Chat jobs waiting in the RQ queue."
        )
        age = GaugeMetricFamily(
            "chat_queue_oldest_job_age_seconds",
            "Seconds the oldest waiting chat job has been queued; 0 when the queue is empty.",
        )
        try:
            length, oldest = self._read()
        except redis.RedisError as exc:
            log.warning("metrics.queue_unreadable", error=str(exc))
            return
        depth.add_metric([], length)
        age.add_metric([], oldest)
        yield depth
        yield age

    def _read(self) -> tuple[int, float]:
        with self._client.pipeline(transaction=False) as pipe:
            pipe.llen(self._queue_key)
            pipe.lindex(self._queue_key, 0)
            length, first = pipe.execute()
        if not first:
            return int(length), 0.0
        job_id = first.decode() if isinstance(first, bytes) else first
        created = self._client.hget(f"rq:job:{job_id}", "enqueued_at")
        if not created:
            return int(length), 0.0
        enqueued = utcparse(
            created.decode() if isinstance(created, bytes) else created
        ).timestamp()
        return int(length), max(0.0, time.time() - enqueued)
