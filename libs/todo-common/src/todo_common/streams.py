"""Append events to a job's Redis Stream so that it ends with one terminal event.

Every append runs one Lua script. The script rejects anything after the
terminal event and writes the terminal event at most once. So the worker, its
failure callback and the gateway's clean-up of abandoned jobs can all try to
end a stream, and it still ends once.
"""

from dataclasses import dataclass

import redis
from pydantic import BaseModel

from todo_common.events import TERMINAL_EVENTS, EventType, encode_event
from todo_common.keys import stream_key, terminal_key

# KEYS: stream, terminal marker. ARGV: type, data, is_terminal (0|1), maxlen,
# ttl of a live stream, ttl after the terminal event.
APPEND_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then
  return false
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*',
                      'type', ARGV[1], 'data', ARGV[2])
if ARGV[3] == '1' then
  redis.call('SET', KEYS[2], id, 'EX', ARGV[6])
  redis.call('EXPIRE', KEYS[1], ARGV[6])
else
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
return id
"""


@dataclass(frozen=True)
class StreamLimits:
    """How long and how large a job's stream may grow."""

    # Entries kept, approximately (XADD MAXLEN ~). Tokens are coalesced into
    # batches, so a long reply stays far below this.
    maxlen: int = 10_000
    # A stream that never gets its terminal event still expires after this.
    live_ttl_seconds: int = 24 * 3600
    # Time a browser has to read or resume a finished stream.
    finished_ttl_seconds: int = 3600


class StreamPublisher:
    """Append events to job streams over one synchronous Redis client."""

    def __init__(self, client: redis.Redis, limits: StreamLimits | None = None) -> None:
        self._client = client
        self._limits = limits or StreamLimits()
        self._append = client.register_script(APPEND_SCRIPT)

    def publish(
        self, job_id: str, event_type: EventType, data: BaseModel
    ) -> str | None:
        """Append one event; return its entry id, or None when the stream has ended."""
        fields = encode_event(event_type, data)
        is_terminal = "1" if event_type in TERMINAL_EVENTS else "0"
        entry_id = self._append(
            keys=[stream_key(job_id), terminal_key(job_id)],
            args=[
                fields["type"],
                fields["data"],
                is_terminal,
                self._limits.maxlen,
                self._limits.live_ttl_seconds,
                self._limits.finished_ttl_seconds,
            ],
        )
        if entry_id is None:
            return None
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
