"""The job payload round-trips through JSON and fails closed on other versions."""

import uuid
from datetime import UTC, datetime

import pytest
from todo_common.jobs import ChatJob, UnsupportedJobSchemaError


def make_job() -> ChatJob:
    return ChatJob(
        job_id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        user_id="alice",
        message="hello",
        enqueued_at=datetime.now(UTC),
    )


def test_payload_round_trip():
    job = make_job()
    assert ChatJob.from_payload(job.to_payload()) == job


@pytest.mark.parametrize("version", [None, 0, 2, "1"])
def test_payload_rejects_other_schema_versions(version):
    payload = make_job().to_payload()
    payload["schema_version"] = version
    with pytest.raises(UnsupportedJobSchemaError, match="schema_version"):
        ChatJob.from_payload(payload)


def test_payload_rejects_unknown_fields():
    payload = make_job().to_payload()
    payload["surprise"] = True
    with pytest.raises(ValueError, match="surprise"):
        ChatJob.from_payload(payload)
