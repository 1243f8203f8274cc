"""Redis key names and the RQ queue that the gateway and the worker agree on."""

QUEUE_NAME = "chat_jobs"

# The gateway enqueues by dotted path, so it never imports the worker package.
JOB_FUNCTION = "agent_worker.jobs.run_chat_job"
FAILURE_CALLBACK = "agent_worker.jobs.report_job_failure"


def stream_key(job_id: str) -> str:
    """Name the Redis Stream that carries one job's events."""
    return f"job:{job_id}:stream"


def terminal_key(job_id: str) -> str:
    """Name the marker set once a job's stream has its terminal event."""
    return f"job:{job_id}:terminal"
