"""Keep a job's liveness key fresh while the worker runs it.

If the worker is killed, the key expires within ALIVE_TTL_SECONDS and the
gateway's relay ends the job's stream with an error instead of waiting for
the job's time-out.
"""

import threading
from types import TracebackType

import redis
import structlog
from todo_common.keys import ALIVE_REFRESH_SECONDS, ALIVE_TTL_SECONDS, alive_key

log = structlog.get_logger(__name__)


class JobLiveness:
    """A context manager that refreshes `job:{id}:alive` from a daemon thread."""

    def __init__(self, client: redis.Redis, job_id: str) -> None:
        self._client = client
        self._key = alive_key(job_id)
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="job-liveness", daemon=True
        )

    def __enter__(self) -> "JobLiveness":
        self._client.set(self._key, "1", ex=ALIVE_TTL_SECONDS)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped.set()
        self._thread.join()
        try:
            self._client.delete(self._key)
        except redis.RedisError as error:
            log.warning("job.liveness_clear_failed", error=str(error))

    def _run(self) -> None:
        while not self._stopped.wait(ALIVE_REFRESH_SECONDS):
            try:
                self._client.set(self._key, "1", ex=ALIVE_TTL_SECONDS)
            except redis.RedisError as error:
                log.warning("job.liveness_refresh_failed", error=str(error))
