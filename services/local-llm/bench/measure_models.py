"""Measure each bundled model on to-do extraction quality and speed.

For every model this script fetches the GGUF file, starts `local-llm serve` on
a loopback port, sends a fixed set of to-do conversations with a json_schema
`response_format`, scores each reply against expected facts, times a streamed
plain reply, reads the server's peak RSS, and stops the server. The results
replace the generated section of docs/models.md and keep the text outside
it.

Run from the repository root:

    uv run python services/local-llm/bench/measure_models.py
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pydantic
import xllamacpp
from local_llm.fetch import fetch_model
from local_llm.manifest import MODELS, ModelSpec
from local_llm.settings import LocalLLMSettings
from pydantic import BaseModel, ConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT = REPO_ROOT / "docs" / "models.md"
SECTION_BEGIN = "<!-- measure_models.py: begin generated section -->"
SECTION_END = "<!-- measure_models.py: end generated section -->"

STARTUP_TIMEOUT_SECONDS = 180
REQUEST_TIMEOUT_SECONDS = 300
# Upper bound for one structured reply. A longer one is cut off and fails to parse.
JSON_MAX_TOKENS = 400
TIMING_TOKENS = 60
TIMING_PROMPT = "Describe a productive morning routine in a few sentences."


# The structured output every case requests. All fields are required so the
# model must state null or [] explicitly.
class TodoChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Number of the existing to-do this change updates, or null for a new one.
    ref: str | None
    task: str
    status: Literal["not started", "in progress", "done", "archived"]
    # The user's own words for the deadline, such as "by Friday".
    deadline: str | None
    # Estimated minutes.
    time_to_complete: int | None
    solutions: list[str]


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None
    location: str | None
    job: str | None
    connections: list[str]
    interests: list[str]


class MemoryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    todos: list[TodoChange]
    profile: Profile | None
    instructions: str | None


# Double braces are literal braces for str.format. Without the example reply
# the 0.5B model put every task in `instructions` and left `todos` empty.
SYSTEM_PROMPT = """\
You keep a to-do list and a profile for the user. Read the user's message and \
return, as JSON, only the changes it asks for.

Current to-dos:
{todos}

Rules:
- todos: one entry for each task the user mentions: a new task, or a change to \
a current to-do (finished, started, new deadline). [] only when the message \
mentions no task.
- ref: the number of the current to-do being changed, as a string, or null for \
a new task.
- status: "not started" for a new task, "in progress" when the user has started \
it, "done" when the user finished it.
- deadline: the user's own words for the deadline, such as "by Friday", or null.
- time_to_complete: the estimated time in minutes, or null.
- profile: facts the user states about themselves, or null when there are none.
- instructions: only when the user says how to write to-dos; otherwise null.

Example: for "I should water the plants tonight" with no current to-dos, return
{{"todos": [{{"ref": null, "task": "Water the plants", "status": "not started", \
"deadline": "tonight", "time_to_complete": null, "solutions": []}}], \
"profile": null, "instructions": null}}"""

EXISTING_TODOS = (
    "Book swim lessons for my daughter (not started, deadline: by Friday)",
    "Renew my passport (not started, deadline: before March)",
)

Check = Callable[[MemoryUpdate], bool]


@dataclass(frozen=True)
class Case:
    """One conversation and the facts a correct reply contains."""

    name: str
    message: str
    # Each check is a (description, predicate) pair. JSON validity is checked
    # before them.
    checks: tuple[tuple[str, Check], ...]
    existing_todos: tuple[str, ...] = ()


def _contains(text: str | None, word: str) -> bool:
    return text is not None and word.lower() in text.lower()


def _ref_number(ref: str | None) -> str | None:
    """Return the digits of a ref such as "1" or "#1", or None."""
    if ref is None:
        return None
    digits = re.sub(r"\D", "", ref)
    return digits or None


def _todo_count(count: int) -> tuple[str, Check]:
    return (f"{count} to-do change(s)", lambda update: len(update.todos) == count)


def _task_with(word: str) -> tuple[str, Check]:
    return (
        f"a task mentions {word!r}",
        lambda update: any(_contains(todo.task, word) for todo in update.todos),
    )


def _deadline_for(task_word: str, deadline_word: str) -> tuple[str, Check]:
    def check(update: MemoryUpdate) -> bool:
        return any(
            _contains(todo.task, task_word) and _contains(todo.deadline, deadline_word)
            for todo in update.todos
        )

    return (f"deadline of the {task_word!r} task mentions {deadline_word!r}", check)


def _all_new_not_started() -> tuple[str, Check]:
    return (
        "new to-dos are not started",
        lambda update: (
            bool(update.todos)
            and all(todo.status == "not started" for todo in update.todos)
        ),
    )


def _first_todo(predicate: Callable[[TodoChange], bool]) -> Check:
    return lambda update: bool(update.todos) and predicate(update.todos[0])


def _profile_empty(update: MemoryUpdate) -> bool:
    profile = update.profile
    if profile is None:
        return True
    return not any(
        (
            profile.name,
            profile.location,
            profile.job,
            profile.connections,
            profile.interests,
        )
    )


CASES: tuple[Case, ...] = (
    Case(
        name="new to-do with deadline",
        message="Remind me to book swim lessons for my daughter by Friday",
        checks=(
            _todo_count(1),
            _task_with("swim"),
            _deadline_for("swim", "friday"),
            ("ref is null", _first_todo(lambda todo: todo.ref is None)),
            _all_new_not_started(),
            ("profile empty", _profile_empty),
        ),
    ),
    Case(
        name="new to-do with duration",
        message="I need to renew my passport before March, it takes about 2 hours",
        checks=(
            _todo_count(1),
            _task_with("passport"),
            _deadline_for("passport", "march"),
            (
                "time_to_complete is 120",
                _first_todo(lambda todo: todo.time_to_complete == 120),
            ),
            ("ref is null", _first_todo(lambda todo: todo.ref is None)),
            _all_new_not_started(),
            ("profile empty", _profile_empty),
        ),
    ),
    Case(
        name="finish existing to-do",
        message="I finished the swim lessons booking",
        existing_todos=EXISTING_TODOS,
        checks=(
            _todo_count(1),
            ("ref is 1", _first_todo(lambda todo: _ref_number(todo.ref) == "1")),
            ("status is done", _first_todo(lambda todo: todo.status == "done")),
            ("profile empty", _profile_empty),
        ),
    ),
    Case(
        name="start existing to-do",
        message="I started working on the passport renewal today",
        existing_todos=EXISTING_TODOS,
        checks=(
            _todo_count(1),
            ("ref is 2", _first_todo(lambda todo: _ref_number(todo.ref) == "2")),
            (
                "status is in progress",
                _first_todo(lambda todo: todo.status == "in progress"),
            ),
            ("profile empty", _profile_empty),
        ),
    ),
    Case(
        name="two new to-dos",
        message="I have to buy groceries tomorrow and call the dentist next week",
        checks=(
            _todo_count(2),
            _task_with("groceries"),
            _task_with("dentist"),
            _deadline_for("groceries", "tomorrow"),
            _deadline_for("dentist", "next week"),
            _all_new_not_started(),
            ("profile empty", _profile_empty),
        ),
    ),
    Case(
        name="profile facts",
        message="My name is Sam and I live in Lyon",
        checks=(
            _todo_count(0),
            (
                "profile name is Sam",
                lambda update: (
                    update.profile is not None and _contains(update.profile.name, "sam")
                ),
            ),
            (
                "profile location is Lyon",
                lambda update: (
                    update.profile is not None
                    and _contains(update.profile.location, "lyon")
                ),
            ),
        ),
    ),
    Case(
        name="nothing to save",
        message="Thanks, that's all for now!",
        existing_todos=EXISTING_TODOS,
        checks=(
            _todo_count(0),
            ("profile empty", _profile_empty),
            ("instructions null", lambda update: update.instructions is None),
        ),
    ),
    Case(
        name="instructions",
        message="From now on, please write my to-dos as short lowercase phrases",
        checks=(
            _todo_count(0),
            (
                "instructions mention lowercase",
                lambda update: _contains(update.instructions, "lowercase"),
            ),
        ),
    ),
)


@dataclass
class CaseResult:
    case: Case
    passed: int
    total: int
    failed: list[str]
    seconds: float
    content: str


@dataclass
class ModelResult:
    spec: ModelSpec
    cases: list[CaseResult] = field(default_factory=list)
    ttft_seconds: float = 0.0
    tokens_per_second: float = 0.0
    peak_rss_bytes: int | None = None
    # Mean CPU cores busy with other processes during the run (an estimate).
    other_cpu_cores: float | None = None

    @property
    def passed(self) -> int:
        return sum(result.passed for result in self.cases)

    @property
    def total(self) -> int:
        return sum(result.total for result in self.cases)

    @property
    def valid_json(self) -> int:
        return sum("valid JSON" not in result.failed for result in self.cases)

    @property
    def json_seconds(self) -> float:
        return sum(result.seconds for result in self.cases)


def build_messages(case: Case) -> list[dict[str, str]]:
    if case.existing_todos:
        todos = "\n".join(
            f"{number}. {todo}"
            for number, todo in enumerate(case.existing_todos, start=1)
        )
    else:
        todos = "(none)"
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(todos=todos)},
        {"role": "user", "content": case.message},
    ]


def run_case(client: httpx.Client, spec: ModelSpec, case: Case) -> CaseResult:
    request = {
        "model": spec.name,
        "messages": build_messages(case),
        "max_tokens": JSON_MAX_TOKENS,
        "temperature": 0,
        "seed": 1,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "memory_update",
                "strict": True,
                "schema": MemoryUpdate.model_json_schema(),
            },
        },
    }
    started = time.perf_counter()
    response = client.post("/v1/chat/completions", json=request)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    content = response.json()["choices"][0]["message"]["content"] or ""

    total = 1 + len(case.checks)
    try:
        update = MemoryUpdate.model_validate_json(content)
    except pydantic.ValidationError:
        failed = ["valid JSON"] + [description for description, _ in case.checks]
        return CaseResult(case, 0, total, failed, seconds, content)
    failed = [description for description, check in case.checks if not check(update)]
    return CaseResult(case, total - len(failed), total, failed, seconds, content)


def time_plain_reply(client: httpx.Client, spec: ModelSpec) -> tuple[float, float]:
    """Stream a plain reply of exactly TIMING_TOKENS tokens.

    Returns (seconds to the first content chunk, generated tokens per second as
    the server reports it). The prompt cache is off so each run processes the
    whole prompt.
    """
    request = {
        "model": spec.name,
        "messages": [{"role": "user", "content": TIMING_PROMPT}],
        "max_tokens": TIMING_TOKENS,
        "ignore_eos": True,
        "temperature": 0,
        "cache_prompt": False,
        "stream": True,
    }
    started = time.perf_counter()
    first_token_at: float | None = None
    server_timings: dict[str, Any] = {}
    content_chunks = 0
    with client.stream("POST", "/v1/chat/completions", json=request) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line.removeprefix("data: "))
            server_timings = chunk.get("timings") or server_timings
            for choice in chunk.get("choices", []):
                if choice.get("delta", {}).get("content"):
                    content_chunks += 1
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
    finished = time.perf_counter()
    if first_token_at is None:
        raise RuntimeError(f"{spec.name} streamed no content")
    tokens_per_second = server_timings.get("predicted_per_second")
    if tokens_per_second is None:
        # Client-side fallback: tokens after the first over the time they took.
        tokens_per_second = (content_chunks - 1) / (finished - first_token_at)
    return first_token_at - started, float(tokens_per_second)


def read_peak_rss(pid: int) -> int | None:
    """Return the process's peak resident set size (VmHWM) in bytes on Linux."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


class OtherCPUMeter:
    """Meter for the CPU time that processes other than this run use (Linux).

    Busy time of the whole machine from /proc/stat, less the server's and this
    script's own CPU time, divided by the wall time since the meter started.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.started = time.monotonic()
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float] | None:
        ticks = os.sysconf("SC_CLK_TCK")
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(
                int, fields[:8]
            )
            stat = Path(f"/proc/{self.server_pid}/stat").read_text()
        except (OSError, ValueError):
            return None
        # Fields after the parenthesised command name. utime and stime are the
        # 12th and 13th of them.
        after_name = stat.rsplit(")", 1)[1].split()
        server = (int(after_name[11]) + int(after_name[12])) / ticks
        busy = (user + nice + system + irq + softirq + steal) / ticks
        own_times = os.times()
        return busy, server, own_times.user + own_times.system

    def cores(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None:
            return None
        busy, server, own = (
            after - before for after, before in zip(end, self.start, strict=True)
        )
        return max(0.0, busy - server - own) / (time.monotonic() - self.started)


class ServeProcess:
    """`local-llm serve` for one model on a loopback port."""

    def __init__(self, spec: ModelSpec, cache_dir: Path, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = Path(tempfile.mkdtemp(prefix="measure-models-")) / (
            f"serve-{spec.name}.log"
        )
        self.log_file = self.log_path.open("wb")
        env = {
            **os.environ,
            "LOCAL_LLM_MODEL": spec.name,
            "LOCAL_LLM_CACHE_DIR": str(cache_dir),
            "LOCAL_LLM_HOST": "127.0.0.1",
            "LOCAL_LLM_PORT": str(port),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_llm", "serve"],
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"serve exited with code {self.process.returncode}. "
                    f"Its log is in {self.log_path}"
                )
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"serve was not healthy within {STARTUP_TIMEOUT_SECONDS} s. "
            f"Its log is in {self.log_path}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def measure_model(
    spec: ModelSpec, cache_dir: Path, port: int, timing_runs: int
) -> ModelResult:
    fetch_model(spec, cache_dir)
    result = ModelResult(spec)
    server = ServeProcess(spec, cache_dir, port)
    other_cpu = OtherCPUMeter(server.process.pid)
    try:
        server.wait_until_healthy()
        # One connection per request. With keep-alive, one run failed with
        # "Server disconnected without sending a response", and a fresh
        # connection costs little next to a reply.
        with httpx.Client(
            base_url=server.base_url,
            timeout=REQUEST_TIMEOUT_SECONDS,
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            # Warm-up, so the first timed request does not pay for page faults.
            time_plain_reply(client, spec)
            for case in CASES:
                case_result = run_case(client, spec, case)
                result.cases.append(case_result)
                print(
                    f"{spec.name}: {case.name}: {case_result.passed}/"
                    f"{case_result.total} in {case_result.seconds:.1f} s "
                    f"{case_result.content!r}",
                    flush=True,
                )
            timings = [time_plain_reply(client, spec) for _ in range(timing_runs)]
        result.ttft_seconds = statistics.median(ttft for ttft, _ in timings)
        result.tokens_per_second = statistics.median(rate for _, rate in timings)
        result.peak_rss_bytes = read_peak_rss(server.process.pid)
        result.other_cpu_cores = other_cpu.cores()
    finally:
        server.stop()
    return result


def machine_description() -> str:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"`nproc` = {len(os.sched_getaffinity(0))}, {cpu_model}, "
        f"{platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, xllamacpp {xllamacpp.__version__}"
    )


def _mb(size: int | None) -> str:
    return "n/a" if size is None else f"{size / 1_000_000:,.0f}"


def _cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render_section(
    results: Sequence[ModelResult],
    command: str,
    timing_runs: int,
    settings: LocalLLMSettings,
) -> str:
    today = datetime.date.today().isoformat()
    threads = (
        f"{settings.threads} threads"
        if settings.threads is not None
        else "llama.cpp's own thread count"
    )
    settings_note = (
        f"settings (context {settings.ctx_size} shared by {settings.parallel} "
        f"slots, {threads})"
    )
    lines = [
        SECTION_BEGIN,
        "",
        f"Measured on {today} on {machine_description()}, with",
        "",
        "```",
        command,
        "```",
        "",
        f"Each server ran with the `local-llm serve` {settings_note}. "
        "Replies use temperature 0. "
        f"TTFT and tokens/s are medians of {timing_runs} streamed "
        f"{TIMING_TOKENS}-token plain replies after one warm-up, with the prompt "
        "cache off. Peak RSS is the server process's VmHWM after all requests. "
        "The last column estimates how much CPU other programs on the machine "
        "took during the run; numbers measured next to a busy neighbour are low.",
        "",
        "| model | GGUF size (MB) | peak RSS (MB) | quality (checks passed) "
        "| valid JSON | TTFT (s) | tokens/s | time for 8 JSON replies (s) "
        "| other processes' CPU (cores) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        lines.append(
            f"| {result.spec.name} | {_mb(result.spec.gguf_size)} "
            f"| {_mb(result.peak_rss_bytes)} "
            f"| {result.passed}/{result.total} "
            f"| {result.valid_json}/{len(result.cases)} "
            f"| {result.ttft_seconds:.2f} | {result.tokens_per_second:.1f} "
            f"| {result.json_seconds:.1f} "
            f"| {_cores(result.other_cpu_cores)} |"
        )

    lines += [
        "",
        "Checks passed per case (JSON validity counts as one check):",
        "",
        "| case | message | " + " | ".join(r.spec.name for r in results) + " |",
        "|---|---|" + "---:|" * len(results),
    ]
    for index, case in enumerate(CASES):
        scores = " | ".join(
            f"{r.cases[index].passed}/{r.cases[index].total}" for r in results
        )
        lines.append(f"| {case.name} | {case.message} | {scores} |")

    lines += ["", "Failed checks:", ""]
    for result in results:
        lines.append(f"- **{result.spec.name}**")
        failed_cases = [
            case_result for case_result in result.cases if case_result.failed
        ]
        for case_result in failed_cases:
            lines.append(
                f"  - {case_result.case.name}: {', '.join(case_result.failed)}"
            )
        if not failed_cases:
            lines.append("  - none")
    lines += ["", SECTION_END]
    return "\n".join(lines) + "\n"


def write_section(output: Path, section: str) -> None:
    """Replace the generated section of `output`, keeping the text around it."""
    if output.exists():
        text = output.read_text()
        if SECTION_BEGIN in text and SECTION_END in text:
            before, rest = text.split(SECTION_BEGIN, 1)
            _, after = rest.split(SECTION_END + "\n", 1)
            output.write_text(before + section + after)
            return
        output.write_text(text.rstrip("\n") + "\n\n" + section)
        return
    output.write_text("# Local model measurements\n\n" + section)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(MODELS),
        default=list(MODELS),
        help="models to measure, in table order (default: all)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=18181,
        help="loopback port for the measured server (default: 18181)",
    )
    parser.add_argument(
        "--timing-runs",
        type=int,
        default=3,
        help="streamed replies timed per model; the table shows the median",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"Markdown file to update (default: {DEFAULT_OUTPUT})",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # The served processes inherit this environment, so they read the same
    # LOCAL_LLM_* settings.
    settings = LocalLLMSettings()
    results = [
        measure_model(MODELS[name], settings.cache_dir, args.port, args.timing_runs)
        for name in args.models
    ]
    command = "uv run python services/local-llm/bench/measure_models.py " + " ".join(
        shlex.quote(arg) for arg in (argv if argv is not None else sys.argv[1:])
    )
    section = render_section(results, command.rstrip(), args.timing_runs, settings)
    write_section(args.output, section)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
