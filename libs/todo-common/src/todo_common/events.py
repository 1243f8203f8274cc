"""Events that a job publishes to its Redis Stream and the gateway relays as SSE.

A stream entry has two fields: `type` (the SSE event name) and `data` (a JSON
object). The entry id becomes the SSE `id:`, so `Last-Event-ID` resumes exactly
after the last event a browser saw.
"""

import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel


class EventType(StrEnum):
    START = "start"
    TOKEN = "token"
    MEMORY = "memory"
    END = "end"
    ERROR = "error"


TERMINAL_EVENTS = frozenset({EventType.END, EventType.ERROR})


class StartData(BaseModel):
    job_id: str
    thread_id: str


class TokenData(BaseModel):
    text: str


class MemoryData(BaseModel):
    kind: Literal["todo", "profile", "instructions"]
    action: Literal["created", "updated"]
    id: str | None = None
    summary: str


class EndData(BaseModel):
    text: str


class ErrorData(BaseModel):
    message: str


def encode_event(event_type: EventType, data: BaseModel) -> dict[str, str]:
    """Build the field map of one stream entry."""
    return {"type": event_type.value, "data": data.model_dump_json()}


def decode_event(fields: dict[Any, Any]) -> tuple[str, dict]:
    """Read the type and data back from a stream entry's fields."""
    event_type = _text(fields.get("type") or fields.get(b"type"))
    data = _text(fields.get("data") or fields.get(b"data"))
    return event_type, json.loads(data)


def _text(value: str | bytes | None) -> str:
    if value is None:
        raise ValueError("Stream entry is missing a field; expected 'type' and 'data'.")
    return value.decode() if isinstance(value, bytes) else value
