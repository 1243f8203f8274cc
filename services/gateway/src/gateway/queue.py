"""Enqueueing chat jobs on RQ, and ending runs whose worker went away."""

from datetime import UTC, datetime, timedelta

import redis
import structlog
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from psycopg_pool import AsyncConnectionPool
from rq import Callback, Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from starlette.concurrency import run_in_threadpool
from todo_common.events import ErrorData, EventType
from todo_common.jobs import ChatJob
from todo_common.keys import (
    ALIVE_TTL_SECONDS,
    FAILURE_CALLBACK,
    JOB_FUNCTION,
    QUEUE_NAME,
    alive_key,
)
from todo_common.streams import StreamPublisher
from todo_common.telemetry import current_trace_headers

from gateway import runs
from gateway.errors import QueueUnavailableError
from gateway.metrics import ABANDONED_RUNS, ENQUEUE_FAILURES

log = structlog.get_logger(__name__)
tracer = trace.get_tracer("gateway")

ABANDONED_MESSAGE = (
    "The assistant stopped before finishing this reply. Please send your message again."
)
# Time between committing a run and RQ storing its job. A run younger than
# this with no RQ job may still be on its way into the queue.
ENQUEUE_GRACE = timedelta(seconds=30)
# A running job's liveness key is first written as the run is claimed. The
# extra seconds leave room for clock skew between the worker, PostgreSQL and
# the gateway.
LIVENESS_GRACE = timedelta(seconds=ALIVE_TTL_SECONDS + 5)
# Slack on top of the job time-out before a running run counts as abandoned.
TIMEOUT_GRACE = timedelta(seconds=60)
ENDED_STATUSES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


class JobQueue:
    """The RQ queue of chat jobs, over a synchronous Redis client."""

    def __init__(
        self, client: redis.Redis, job_timeout_seconds: int, record_ttl_seconds: int
    ) -> None:
        self._client = client
        self._queue = Queue(QUEUE_NAME, connection=client, serializer=JSONSerializer)
        self._publisher = StreamPublisher(client)
        self.job_timeout_seconds = job_timeout_seconds
        self._record_ttl = record_ttl_seconds

    async def enqueue(self, job: ChatJob) -> None:
        """Put the job on the queue; raise QueueUnavailableError if Redis fails.

        A producer span covers the enqueue, and its W3C context travels in the
        payload, so the worker's consumer span is its child.
        """
        attributes = {
            "messaging.system": "rq",
            "messaging.destination.name": QUEUE_NAME,
            "messaging.operation.type": "send",
            "messaging.message.id": str(job.job_id),
        }
        with tracer.start_as_current_span(
            f"send {QUEUE_NAME}", kind=SpanKind.PRODUCER, attributes=attributes
        ) as span:
            headers = current_trace_headers()
            job = job.model_copy(
                update={
                    "traceparent": headers.get("traceparent"),
                    "tracestate": headers.get("tracestate"),
                }
            )
            try:
                await run_in_threadpool(self._enqueue, job)
            except redis.RedisError as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, "enqueue failed"))
                ENQUEUE_FAILURES.inc()
                log.error("job.enqueue_failed", job_id=str(job.job_id), error=str(exc))
                raise QueueUnavailableError from exc

    def _enqueue(self, job: ChatJob) -> None:
        self._queue.enqueue(
            JOB_FUNCTION,
            job.to_payload(),
            job_id=str(job.job_id),
            job_timeout=self.job_timeout_seconds,
            result_ttl=self._record_ttl,
            failure_ttl=self._record_ttl,
            on_failure=Callback(FAILURE_CALLBACK),
            # RQ's default description is the call with its arguments, which
            # would put the message text into the worker's logs.
            description=f"chat job {job.job_id}",
        )

    async def end_if_abandoned(self, pool: AsyncConnectionPool, run: runs.Run) -> bool:
        """End a queued or running run whose job RQ lost, failed or let time out.

        Normally the worker, or its RQ failure callback, ends every run. This
        covers the rest: Redis lost the job, or every worker died before RQ's
        clean-up ran. Returns whether this call ended the run.
        """
        if run.status not in ("queued", "running"):
            return False
        reason = await run_in_threadpool(self._abandon_reason, run)
        if reason is None:
            return False
        if not await runs.fail_run(pool, run.job_id, reason):
            return False
        job_id = str(run.job_id)
        await run_in_threadpool(
            self._publisher.publish,
            job_id,
            EventType.ERROR,
            ErrorData(message=ABANDONED_MESSAGE),
        )
        ABANDONED_RUNS.inc()
        log.warning(
            "job.abandoned", job_id=job_id, thread_id=str(run.thread_id), reason=reason
        )
        return True

    def _abandon_reason(self, run: runs.Run) -> str | None:
        now = datetime.now(UTC)
        try:
            job = Job.fetch(
                str(run.job_id), connection=self._client, serializer=JSONSerializer
            )
        except NoSuchJobError:
            if now - run.created_at > ENQUEUE_GRACE:
                return "job missing from the queue"
            return None
        status = job.get_status(refresh=False)
        if status in ENDED_STATUSES:
            return f"job {status.value} without ending its run"
        if (
            run.status == "running"
            and run.started_at is not None
            and now - run.started_at > LIVENESS_GRACE
            and not self._client.exists(alive_key(str(run.job_id)))
        ):
            return "worker stopped refreshing the job's liveness key"
        limit = timedelta(seconds=self.job_timeout_seconds) + TIMEOUT_GRACE
        if run.started_at is not None and now - run.started_at > limit:
            return "job ran past its time-out"
        return None
