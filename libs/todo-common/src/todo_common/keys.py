"""Redis key names and the RQ queue that the gateway and the worker agree on."""

QUEUE_NAME = "chat_jobs"

# The gateway enqueues by dotted path, so it never imports the worker package.
JOB_FUNCTION = "agent_worker.jobs.run_chat_job"
FAILURE_CALLBACK = "agent_worker.jobs.report_job_failure"


def stream_key(job_id: str) -> str:
    """Name the Redis Stream that carries one job's events."""
    return f"job:{job_id}:stream"


# A worker refreshes a job's liveness key every ALIVE_REFRESH_SECONDS while it
# runs the job. A key missing for longer than ALIVE_TTL_SECONDS means the
# worker died without ending the job's stream.
ALIVE_TTL_SECONDS = 10
ALIVE_REFRESH_SECONDS = 3


def alive_key(job_id: str) -> str:
    """Name the key that exists while a live worker runs the job."""
    return f"job:{job_id}:alive"


def terminal_key(job_id: str) -> str:
    """Name the marker set once a job's stream has its terminal event."""
    return f"job:{job_id}:terminal"
