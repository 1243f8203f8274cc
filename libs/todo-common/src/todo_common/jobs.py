"""The payload of a chat job, as the gateway enqueues it and the worker reads it."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[1] = 1


class UnsupportedJobSchemaError(ValueError):
    """A job payload was written with a schema version this code cannot read."""


class ChatJob(BaseModel):
    """One user message for the agent to reply to within a thread."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    job_id: UUID
    thread_id: UUID
    user_id: str = Field(min_length=1)
    message: str = Field(min_length=1)
    timezone: str = "UTC"
    enqueued_at: datetime
    # W3C trace context of the enqueue span, so the worker's span joins the trace.
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def from_payload(cls, payload: dict) -> "ChatJob":
        """Validate a payload read from Redis, failing closed on unknown versions."""
        version = payload.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UnsupportedJobSchemaError(
                f"Job payload has schema_version {version!r}; this worker reads "
                f"version {SCHEMA_VERSION}. Deploy a worker that matches the gateway."
            )
        return cls.model_validate(payload)

    def to_payload(self) -> dict:
        """Serialise to the JSON-safe dict that RQ's JSONSerializer stores."""
        return self.model_dump(mode="json")
