"""TokenBatcher sends the first token at once and batches the rest."""

import threading
import time

import pytest
from agent_worker.publisher import TokenBatcher


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.first_sent = threading.Event()

    def __call__(self, text: str) -> None:
        self.sent.append(text)
        self.first_sent.set()


def test_first_token_sent_without_waiting():
    recorder = Recorder()
    batcher = TokenBatcher(recorder, window=10.0)
    batcher.add("Hello")
    assert recorder.first_sent.wait(2.0)
    assert recorder.sent == ["Hello"]
    batcher.close()


def test_tokens_within_window_form_one_event():
    recorder = Recorder()
    batcher = TokenBatcher(recorder, window=0.5)
    batcher.add("A")
    recorder.first_sent.wait(2.0)
    for token in ("b", "c", "d"):
        batcher.add(token)
    batcher.close()
    assert recorder.sent == ["A", "bcd"]


def test_close_flushes_and_keeps_all_text():
    recorder = Recorder()
    batcher = TokenBatcher(recorder, window=0.001)
    tokens = [f"t{i} " for i in range(200)]
    for token in tokens:
        batcher.add(token)
    batcher.close()
    assert "".join(recorder.sent) == "".join(tokens)


def test_sender_error_raised_on_close():
    def fail(_: str) -> None:
        raise ConnectionError("redis down")

    batcher = TokenBatcher(fail, window=0.0)
    batcher.add("x")
    time.sleep(0.05)
    with pytest.raises(ConnectionError, match="redis down"):
        batcher.close()
