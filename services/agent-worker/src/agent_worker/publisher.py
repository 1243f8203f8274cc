"""Coalesce model tokens into token events without delaying the first one.

The graph thread hands each token to `add`; a sender thread publishes. The
first token goes out at once, so time to first token is not padded. After
that, the sender gathers whatever arrives within `window` seconds into one
event, so a fast model costs one Redis round trip per batch, not per token,
and a token never waits for the next one to be sent.
"""

import queue
import threading
import time
from collections.abc import Callable

_CLOSE = object()


class TokenBatcher:
    def __init__(self, send: Callable[[str], None], window: float) -> None:
        self._send = send
        self._window = window
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name="token-batcher", daemon=True
        )
        self._thread.start()

    def add(self, text: str) -> None:
        if self._error is not None:
            raise self._error
        if text:
            self._queue.put(text)

    def close(self) -> None:
        """Send what is left and stop; raise the sender's error if it failed."""
        self._queue.put(_CLOSE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        first = True
        while True:
            item = self._queue.get()
            if item is _CLOSE:
                return
            parts = [item]
            closing = False
            if not first:
                deadline = time.monotonic() + self._window
                while (remaining := deadline - time.monotonic()) > 0:
                    try:
                        item = self._queue.get(timeout=remaining)
                    except queue.Empty:
                        break
                    if item is _CLOSE:
                        closing = True
                        break
                    parts.append(item)
            first = False
            try:
                self._send("".join(parts))  # type: ignore[arg-type]
            except BaseException as exc:
                self._error = exc
                return
            if closing:
                return
