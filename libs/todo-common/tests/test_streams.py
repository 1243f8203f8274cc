"""StreamPublisher against a real Redis: order, one terminal event, expiry."""

import uuid

import pytest
import redis
from todo_common.events import EndData, ErrorData, EventType, TokenData, decode_event
from todo_common.keys import stream_key
from todo_common.streams import StreamLimits, StreamPublisher


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def entries(client, job_id):
    return [decode_event(fields) for _, fields in client.xrange(stream_key(job_id))]


def test_publish_keeps_order(client):
    publisher = StreamPublisher(client)
    job_id = str(uuid.uuid4())
    for text in ("a", "b", "c"):
        assert publisher.publish(job_id, EventType.TOKEN, TokenData(text=text))
    assert entries(client, job_id) == [("token", {"text": t}) for t in "abc"]


def test_publish_writes_one_terminal_event(client):
    publisher = StreamPublisher(client)
    job_id = str(uuid.uuid4())
    first = publisher.publish(job_id, EventType.END, EndData(text="done"))
    second = publisher.publish(job_id, EventType.ERROR, ErrorData(message="late"))
    assert first is not None
    assert second is None
    assert entries(client, job_id) == [("end", {"text": "done"})]


def test_publish_drops_events_after_terminal(client):
    publisher = StreamPublisher(client)
    job_id = str(uuid.uuid4())
    publisher.publish(job_id, EventType.ERROR, ErrorData(message="timed out"))
    assert publisher.publish(job_id, EventType.TOKEN, TokenData(text="late")) is None
    assert [kind for kind, _ in entries(client, job_id)] == ["error"]


def test_publish_sets_expiry(client):
    limits = StreamLimits(maxlen=100, live_ttl_seconds=500, finished_ttl_seconds=50)
    publisher = StreamPublisher(client, limits)
    job_id = str(uuid.uuid4())
    publisher.publish(job_id, EventType.TOKEN, TokenData(text="x"))
    assert 400 < client.ttl(stream_key(job_id)) <= 500
    publisher.publish(job_id, EventType.END, EndData(text="x"))
    assert 0 < client.ttl(stream_key(job_id)) <= 50
