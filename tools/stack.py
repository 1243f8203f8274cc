"""Start and stop the whole system as local processes.

`python tools/stack.py up` runs the migration step, then local-llm (unless an
LLM endpoint is configured), the agent worker, the gateway, todo-read and the
UI, prints their URLs and stops them all on Ctrl-C or SIGTERM.
`python tools/stack.py down` stops a running `up`. The test suite uses the
same `Stack` class to run the services against a fresh database.
"""

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
PID_FILE = RUN_DIR / "stack.pid"
SERVICES_FILE = RUN_DIR / "services.pids"
CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "todo-assistant"
)
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/todo_assistant"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

DEPENDENCY_HELP = """\
{name} is not reachable at {url}.
Start one, or point {var} at one you have:
  Debian/Ubuntu: sudo apt-get install {package} && sudo service {service} start
  Docker:        {docker}
"""


class StackError(RuntimeError):
    """A service of the stack failed to start or a dependency is missing."""


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str | None = None


@dataclass
class Stack:
    """Processes started for one run of the system, stopped in reverse order."""

    env: dict[str, str]
    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def start(
        self,
        name: str,
        command: list[str],
        ready_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        timeout: float = 60.0,
        ready: Callable[[], bool] | None = None,
        cwd: Path = ROOT,
    ) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**self.env, **(extra_env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        service = Service(name, process, ready_url)
        self.services.append(service)
        check = ready or (lambda: http_ok(ready_url) if ready_url else True)
        wait_for(
            f"{name} to become ready",
            check,
            timeout,
            process,
            self.log_dir / f"{name}.log",
        )
        return service

    def run(self, name: str, command: list[str], timeout: float = 120.0) -> None:
        """Run a one-off step (the migration) and fail with its output if it fails."""
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise StackError(
                f"{name} failed with exit code {result.returncode}:\n{result.stderr}"
            )

    def stop(self, grace: float = 20.0) -> None:
        for service in reversed(self.services):
            stop_process(service.process, grace)
        self.services.clear()

    def get(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)


def stop_process(process: subprocess.Popen, grace: float) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        pass


def http_ok(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


def wait_for(
    what: str,
    condition: Callable[[], bool],
    timeout: float,
    process: subprocess.Popen | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until `condition` holds, failing early if `process` exits."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise StackError(
                f"Process exited with {process.returncode} while waiting for {what}:\n{tail}"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    raise StackError(f"Timed out after {timeout:.0f}s waiting for {what}.")


# Database 0 is left to `task up`; the others are shared out between test runs.
REDIS_DATABASES = range(1, 16)
LOCK_KEY = "todo-assistant:test-run-lock"
LOCK_SECONDS = 3 * 3600


class RedisDatabases:
    """Claim numbered Redis databases for one test or benchmark run.

    A claim is a lock key in the database itself, so concurrent runs on one
    machine never share a queue.
    """

    def __init__(self, server: str) -> None:
        self.server = server
        self.owner = uuid.uuid4().hex
        self.claimed: list[str] = []

    def claim(self) -> str:
        for number in REDIS_DATABASES:
            url = f"{self.server}/{number}"
            client = redis.Redis.from_url(url)
            try:
                if client.set(LOCK_KEY, self.owner, nx=True, ex=LOCK_SECONDS):
                    client.flushdb()
                    client.set(LOCK_KEY, self.owner, ex=LOCK_SECONDS)
                    self.claimed.append(url)
                    return url
            finally:
                client.close()
        raise RuntimeError(
            f"Every Redis database 1-15 on {self.server} is claimed by another run."
        )

    def release(self) -> None:
        for url in self.claimed:
            client = redis.Redis.from_url(url)
            if client.get(LOCK_KEY) == self.owner.encode():
                client.flushdb()
            client.close()
        self.claimed.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_dependencies(database_url: str, redis_url: str) -> None:
    """Fail with set-up instructions when Redis or PostgreSQL is unreachable or rejects the login."""
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise StackError(
            DEPENDENCY_HELP.format(
                name="Redis",
                url=redis_url,
                var="REDIS_URL",
                package="redis-server",
                service="redis-server",
                docker="docker run -d -p 6379:6379 redis:7",
            )
        ) from exc
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        text = str(exc)
        if (
            "authentication failed" in text
            or "does not exist" in text
            or "no password" in text
        ):
            raise StackError(
                f"PostgreSQL at {admin_url} rejected the login: {text.strip()}\n"
                "Set DATABASE_URL to a user that may create databases, for example\n"
                "  DATABASE_URL=postgresql://USER:PASSWORD@127.0.0.1:5432/todo_assistant task up\n"
                "or create one: sudo -u postgres createuser --createdb --pwprompt USER"
            ) from exc
        raise StackError(
            DEPENDENCY_HELP.format(
                name="PostgreSQL",
                url=admin_url,
                var="DATABASE_URL",
                package="postgresql",
                service="postgresql",
                docker="docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16",
            )
        ) from exc


def create_database(database_url: str, drop_first: bool = False) -> None:
    """Create the database named in `database_url` when it does not exist."""
    base, name = database_url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if drop_first:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dev_token_secret() -> str:
    """Keep one dev signing key across runs, so browser sessions survive a restart."""
    path = CACHE_DIR / "dev-token-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def service_commands(python: str) -> dict[str, list[str]]:
    return {
        "migrate": [python, "-m", "agent_worker.main", "migrate"],
        "worker": [python, "-m", "agent_worker.main", "run"],
        "gateway": [python, "-c", "from gateway.main import main; main()"],
        "todo-read": [python, "-c", "from todo_read.main import main; main()"],
        "local-llm": [python, "-m", "local_llm", "serve"],
    }


def base_env(database_url: str, redis_url: str, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AUTH_MODE": "dev",
        "DEV_TOKEN_SECRET": secret,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "console"),
        "PYTHONUNBUFFERED": "1",
    }


def start_backend(stack: Stack, ports: dict[str, int], workers: int = 1) -> None:
    """Migrate, then start the worker(s), the gateway and todo-read.

    Worker N serves metrics on `ports["worker-metrics"] + N - 1` when that
    port is given, else on a free port, unless the environment sets
    WORKER_METRICS_PORT (for a single worker).
    """
    commands = service_commands(sys.executable)
    stack.run("migration", commands["migrate"])
    for index in range(workers):
        name = f"worker-{index + 1}-{secrets.token_hex(4)}"
        if "worker-metrics" in ports:
            metrics_port = str(ports["worker-metrics"] + index)
        elif workers == 1 and "WORKER_METRICS_PORT" in stack.env:
            metrics_port = stack.env["WORKER_METRICS_PORT"]
        else:
            metrics_port = str(free_port())
        stack.start(
            f"worker-{index + 1}",
            commands["worker"],
            ready=worker_ready(stack.env["REDIS_URL"], name),
            extra_env={"WORKER_NAME": name, "WORKER_METRICS_PORT": metrics_port},
        )
    stack.start(
        "gateway",
        commands["gateway"],
        f"http://127.0.0.1:{ports['gateway']}/readyz",
        {"PORT": str(ports["gateway"])},
    )
    stack.start(
        "todo-read",
        commands["todo-read"],
        f"http://127.0.0.1:{ports['todo-read']}/readyz",
        {"PORT": str(ports["todo-read"])},
    )


def worker_ready(redis_url: str, name: str) -> Callable[[], bool]:
    """RQ writes the key `rq:worker:<name>` once that worker listens."""
    client = redis.Redis.from_url(redis_url)

    def ready() -> bool:
        return bool(client.exists(f"rq:worker:{name}"))

    return ready


def say(text: str, error: bool = False) -> None:
    """Print a status line; a closed pipe (`task up | tee` after Ctrl-C) must not stop shutdown."""
    with contextlib.suppress(BrokenPipeError, OSError):
        print(text, file=sys.stderr if error else sys.stdout, flush=True)


def check_ports_free(ports: dict[str, int]) -> None:
    busy = []
    for name, port in ports.items():
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(f"{port} ({name})")
    if busy:
        raise StackError(
            f"Ports already in use: {', '.join(busy)}. Another `task up` may still be "
            "running: stop it with `task down`, or find the process with `ss -ltnp`."
        )


def record_services(stack: Stack) -> None:
    """Write the service process ids, so `down` can stop them even if `up` died."""
    SERVICES_FILE.write_text("\n".join(str(s.process.pid) for s in stack.services))


def up(args: argparse.Namespace) -> int:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    ports = {
        "gateway": 8000,
        "todo-read": 8001,
        "worker-metrics": 8002,
        "ui": 3000,
        "local-llm": 8081,
    }
    local_model = not (os.environ.get("LLM_BASE_URL") or os.environ.get("LLM_API_KEY"))
    if not local_model:
        del ports["local-llm"]
    try:
        check_ports_free(ports)
        check_dependencies(database_url, redis_url)
        create_database(database_url)
    except StackError as exc:
        say(str(exc), error=True)
        return 1
    env = base_env(database_url, redis_url, dev_token_secret())
    for old_log in (RUN_DIR / "logs").glob("*.log"):
        old_log.unlink()
    stack = Stack(env, RUN_DIR / "logs")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGHUP, lambda *_: stopping.set())
    RUN_DIR.mkdir(exist_ok=True)
    PID_FILE.write_text(str(os.getpid()))
    try:
        if local_model:
            # A small model on a laptop CPU is far slower than a hosted one.
            env.setdefault("LLM_TIMEOUT_SECONDS", "300")
            env.setdefault("JOB_TIMEOUT_SECONDS", "600")
            say(
                "Starting local-llm (it downloads the bundled model if it is not cached yet)…"
            )
            stack.start(
                "local-llm",
                service_commands(sys.executable)["local-llm"],
                f"http://127.0.0.1:{ports['local-llm']}/health",
                timeout=1800,
            )
            record_services(stack)
        start_backend(stack, ports, workers=args.workers)
        record_services(stack)
        ui = ROOT / "frontend"
        stack.start(
            "ui",
            ["npm", "run", "preview", "--", "--port", str(ports["ui"]), "--strictPort"],
            f"http://127.0.0.1:{ports['ui']}/",
            {
                "GATEWAY_URL": f"http://127.0.0.1:{ports['gateway']}",
                "TODO_READ_URL": f"http://127.0.0.1:{ports['todo-read']}",
            },
            cwd=ui,
        )
        record_services(stack)
        print_urls(ports)
        try:
            while not stopping.is_set() and all(
                s.process.poll() is None for s in stack.services
            ):
                stopping.wait(1.0)
        except KeyboardInterrupt:
            pass
        failed = [s.name for s in stack.services if s.process.poll() not in (None, 0)]
        if failed:
            say(
                f"Stopped because {', '.join(failed)} exited; see {RUN_DIR / 'logs'}.",
                error=True,
            )
    except StackError as exc:
        say(str(exc), error=True)
        return 1
    finally:
        stack.stop()
        SERVICES_FILE.unlink(missing_ok=True)
        PID_FILE.unlink(missing_ok=True)
        say("Stopped.")
    return 0


def print_urls(ports: dict[str, int]) -> None:
    lines = [
        "",
        "The to-do assistant is running:",
        f"  UI              http://localhost:{ports['ui']}",
        f"  gateway         http://localhost:{ports['gateway']}   (API docs: /docs)",
        f"  todo-read       http://localhost:{ports['todo-read']}   (API docs: /docs)",
        f"  worker metrics  http://localhost:{ports['worker-metrics']}/metrics",
    ]
    if "local-llm" in ports:
        lines.append(
            f"  local-llm       http://localhost:{ports['local-llm']}/v1 (OpenAI-compatible)"
        )
    lines += [f"  logs            {RUN_DIR / 'logs'}", "Press Ctrl-C to stop.", ""]
    say("\n".join(lines))


def down(_: argparse.Namespace) -> int:
    if PID_FILE.exists():
        pid = int(PID_FILE.read_text())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            PID_FILE.unlink(missing_ok=True)
        else:
            wait_for("`task up` to stop", lambda: not PID_FILE.exists(), 60)
            say("Stopped.")
            return 0
    # `up` is gone; stop any services it left behind.
    left = (
        [int(pid) for pid in SERVICES_FILE.read_text().split()]
        if SERVICES_FILE.exists()
        else []
    )
    stopped = 0
    for pid in left:
        try:
            os.killpg(pid, signal.SIGTERM)
            stopped += 1
        except ProcessLookupError:
            pass
    SERVICES_FILE.unlink(missing_ok=True)
    say(
        f"Stopped {stopped} leftover service(s)."
        if stopped
        else "Nothing to stop: no `task up` is running from this checkout."
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser(
        "up", help="start every service and wait for Ctrl-C"
    )
    up_parser.add_argument(
        "--workers", type=int, default=1, help="agent worker processes"
    )
    commands.add_parser("down", help="stop a running `up`")
    args = parser.parse_args()
    return up(args) if args.command == "up" else down(args)


if __name__ == "__main__":
    sys.exit(main())
