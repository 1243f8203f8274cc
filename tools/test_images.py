"""Run the built images against the local Redis and PostgreSQL, then the e2e suite.

`python tools/test_images.py [-- PYTEST_ARGS]` (or `task test:images`):

1. creates the database `test_images_<random>` on the local PostgreSQL and
   claims a free Redis database on the local server (TEST_REDIS_SERVER moves it);
2. starts the scripted model server (tests/support/scripted_llm.py) on the host;
3. runs `agent-worker migrate` from the agent-worker image, then starts the
   worker, gateway, todo-read and frontend images on free loopback ports.
   Each gets host networking, a read-only root file system, a tmpfs /tmp,
   user 10001, no capabilities and no-new-privileges;
4. checks that each container runs as non-root on a read-only root;
5. serves one completion from the local-llm image (skip: --skip-local-llm);
6. runs `pytest -m e2e tests/e2e` with E2E_GATEWAY_URL and E2E_TODO_READ_URL
   pointing at the containers, and exits with pytest's status.

Container logs are kept in .run/test-images/<run id>/. The images come from
`tools/images.sh build`; the engine is the one that script chooses.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from stack import RedisDatabases, free_port  # noqa: E402

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
UID = "10001"


class ImageTestError(RuntimeError):
    """A container failed to start or a check on it failed."""


def engine_settings() -> dict[str, str]:
    output = subprocess.run(
        [str(ROOT / "tools" / "images.sh"), "env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def image_refs() -> dict[str, str]:
    output = subprocess.run(
        [str(ROOT / "tools" / "images.sh"), "names"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    refs = {}
    for ref in output.split():
        name = ref.split("/")[-1].split(":")[0]
        refs[name] = ref
    return refs


def http_ok(url: str) -> bool:
    try:
        with urlopen(url, timeout=2) as response:
            return response.status == 200
    except (URLError, OSError):
        return False


def wait_for(what: str, condition: Callable[[], bool], timeout: float) -> float:
    """Poll `condition` until it returns true and return the seconds it took."""
    start = time.monotonic()
    delay = 0.1
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
    raise ImageTestError(f"Timed out after {timeout:.0f}s waiting for {what}.")


class Containers:
    """Containers of one run, with their logs saved and removed at the end."""

    def __init__(self, engine: str, env: dict[str, str], run_id: str, log_dir: Path):
        self.engine = engine
        self.env = env
        self.run_id = run_id
        self.log_dir = log_dir
        self.names: list[str] = []

    def command(self, *args: str) -> list[str]:
        return [self.engine, *args]

    def hardening_flags(self) -> list[str]:
        flags = [
            "--network",
            "host",
            "--read-only",
            "--tmpfs",
            "/tmp:rw,size=64m,mode=1777",
            "--user",
            f"{UID}:{UID}",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
        ]
        if self.engine == "podman":
            # Podman's --read-only also mounts tmpfs on /var/tmp and /run by
            # default; Kubernetes gives the pods /tmp only.
            flags.append("--read-only-tmpfs=false")
        return flags

    def env_flags(self, variables: dict[str, str]) -> list[str]:
        flags = []
        for name, value in variables.items():
            flags += ["-e", f"{name}={value}"]
        return flags

    def run_once(
        self, name: str, image: str, variables: dict[str, str], args: list[str]
    ) -> None:
        """Run a container to completion and fail with its output if it fails."""
        container = f"test-images-{self.run_id}-{name}"
        result = subprocess.run(
            self.command(
                "run",
                "--rm",
                "--name",
                container,
                *self.hardening_flags(),
                *self.env_flags(variables),
                image,
                *args,
            ),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        (self.log_dir / f"{name}.log").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise ImageTestError(
                f"{name} exited with {result.returncode}:\n{result.stderr[-3000:]}"
            )

    def start(
        self, name: str, image: str, variables: dict[str, str], args: list[str] = ()
    ) -> str:
        container = f"test-images-{self.run_id}-{name}"
        subprocess.run(
            self.command(
                "run",
                "--detach",
                "--name",
                container,
                *self.hardening_flags(),
                *self.env_flags(variables),
                image,
                *args,
            ),
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        self.names.append(container)
        return container

    def running(self, container: str) -> bool:
        result = subprocess.run(
            self.command("inspect", "--format", "{{.State.Running}}", container),
            env=self.env,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip() == "true"

    def wait_ready(
        self, container: str, what: str, check: Callable[[], bool], timeout: float
    ) -> float:
        def ready() -> bool:
            if not self.running(container):
                raise ImageTestError(
                    f"{container} exited while waiting for {what}:\n{self.logs(container)[-3000:]}"
                )
            return check()

        return wait_for(what, ready, timeout)

    def logs(self, container: str) -> str:
        result = subprocess.run(
            self.command("logs", container),
            env=self.env,
            capture_output=True,
            text=True,
        )
        return result.stdout + result.stderr

    def exec(self, container: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command("exec", container, *args),
            env=self.env,
            capture_output=True,
            text=True,
        )

    def inspect(self, container: str) -> dict:
        output = subprocess.run(
            self.command("inspect", container),
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return json.loads(output)[0]

    def stop(self, container: str) -> None:
        subprocess.run(
            self.command("stop", "-t", "30", container),
            env=self.env,
            capture_output=True,
        )

    def remove_all(self) -> None:
        """Stop each container (SIGTERM, then SIGKILL after 30 s), save its log, remove it."""
        for container in reversed(self.names):
            short = container.removeprefix(f"test-images-{self.run_id}-")
            start = time.monotonic()
            self.stop(container)
            print(f"{short}: stopped in {time.monotonic() - start:.1f}s", flush=True)
            (self.log_dir / f"{short}.log").write_text(self.logs(container))
            subprocess.run(
                self.command("rm", "-f", container), env=self.env, capture_output=True
            )
        self.names.clear()


def check_hardening(containers: Containers, container: str) -> list[str]:
    """Return the hardening checks that failed for a running container."""
    failures = []
    info = containers.inspect(container)
    if not info["HostConfig"].get("ReadonlyRootfs"):
        failures.append(f"{container}: root file system is writable")
    uid = containers.exec(container, "id", "-u").stdout.strip()
    if uid != UID:
        failures.append(f"{container}: runs as uid {uid!r}, expected {UID}")
    written = containers.exec(container, "sh", "-c", "echo x > /probe-write")
    if written.returncode == 0:
        failures.append(f"{container}: could write to /")
    tmp = containers.exec(
        container, "sh", "-c", "echo x > /tmp/probe-write && rm /tmp/probe-write"
    )
    if tmp.returncode != 0:
        failures.append(f"{container}: could not write to /tmp: {tmp.stderr.strip()}")
    return failures


def smoke_local_llm(containers: Containers, image: str) -> float:
    """Serve one short completion from the local-llm image; return the seconds to /health."""
    port = free_port()
    container = containers.start(
        "local-llm",
        image,
        {
            "LOCAL_LLM_HOST": "127.0.0.1",
            "LOCAL_LLM_PORT": str(port),
            "LOCAL_LLM_THREADS": "2",
            "LOCAL_LLM_LOG_FORMAT": "json",
        },
    )
    base = f"http://127.0.0.1:{port}"

    seconds = containers.wait_ready(
        container, "local-llm /health", lambda: http_ok(f"{base}/health"), 300
    )
    body = json.dumps(
        {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}
    ).encode()
    request = Request(
        f"{base}/v1/chat/completions",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urlopen(request, timeout=120) as response:
        reply = json.load(response)
    text = reply["choices"][0]["message"]["content"]
    if not text.strip():
        raise ImageTestError(f"local-llm returned an empty completion: {reply}")

    failures = check_hardening(containers, container)
    if failures:
        raise ImageTestError("\n".join(failures))
    print(f"local-llm: /health after {seconds:.1f}s, completion {text!r}", flush=True)
    containers.stop(container)
    return seconds


def missing_images(
    engine: str, env: dict[str, str], images: dict[str, str]
) -> list[str]:
    missing = []
    for ref in images.values():
        inspect = [engine, "image", "inspect", ref]
        if subprocess.run(inspect, env=env, capture_output=True).returncode != 0:
            missing.append(ref)
    return missing


def start_scripted_model(log_dir: Path) -> tuple[subprocess.Popen, int]:
    """Start tests/support/scripted_llm.py on a free port and wait for /health."""
    port = free_port()
    log = open(log_dir / "scripted-llm.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "support" / "scripted_llm.py"),
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for(
        "the scripted model", lambda: http_ok(f"http://127.0.0.1:{port}/health"), 60
    )
    return process, port


def start_services(
    containers: Containers,
    images: dict[str, str],
    database_url: str,
    llm_port: int,
    redis_client: redis.Redis,
    redis_url: str,
) -> dict[str, int]:
    """Migrate, start the four service images, wait until each is ready; return the ports."""
    common = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "debug",
    }
    auth = {"AUTH_MODE": "dev", "DEV_TOKEN_SECRET": secrets.token_urlsafe(48)}
    worker_env = {
        **common,
        "LLM_BASE_URL": f"http://127.0.0.1:{llm_port}/v1",
        "LLM_API_KEY": "scripted",
        "LLM_MODEL": "scripted",
        "LLM_MAX_RETRIES": "0",
    }
    step = time.monotonic()
    containers.run_once("migrate", images["agent-worker"], worker_env, ["migrate"])
    print(f"migrate: done in {time.monotonic() - step:.1f}s", flush=True)

    ports = {
        name: free_port()
        for name in ("gateway", "todo-read", "frontend", "worker-metrics")
    }
    worker_name = f"test-images-{containers.run_id}"
    worker = containers.start(
        "agent-worker",
        images["agent-worker"],
        {
            **worker_env,
            "WORKER_NAME": worker_name,
            "WORKER_METRICS_PORT": str(ports["worker-metrics"]),
        },
        ["run"],
    )
    gateway = containers.start(
        "gateway",
        images["gateway"],
        {
            **common,
            **auth,
            "HOST": "127.0.0.1",
            "PORT": str(ports["gateway"]),
            "STREAM_HEARTBEAT_SECONDS": "1",
        },
    )
    todo_read = containers.start(
        "todo-read",
        images["todo-read"],
        {**common, **auth, "HOST": "127.0.0.1", "PORT": str(ports["todo-read"])},
    )
    frontend = containers.start(
        "frontend",
        images["frontend"],
        {"HOST": "127.0.0.1", "PORT": str(ports["frontend"])},
    )

    def url(name: str) -> str:
        return f"http://127.0.0.1:{ports[name]}"

    checks = [
        (
            worker,
            "the worker to register in RQ",
            lambda: bool(redis_client.exists(f"rq:worker:{worker_name}")),
        ),
        (gateway, "gateway /readyz", lambda: http_ok(f"{url('gateway')}/readyz")),
        (todo_read, "todo-read /readyz", lambda: http_ok(f"{url('todo-read')}/readyz")),
        (frontend, "frontend /healthz", lambda: http_ok(f"{url('frontend')}/healthz")),
    ]
    for container, what, check in checks:
        seconds = containers.wait_ready(container, what, check, 90)
        print(f"{what}: {seconds:.1f}s", flush=True)
    if not http_ok(f"{url('frontend')}/threads/some-client-route"):
        raise ImageTestError("frontend does not serve index.html for a client route")

    failures = []
    for container in (worker, gateway, todo_read, frontend):
        failures += check_hardening(containers, container)
    if failures:
        raise ImageTestError("hardening checks failed:\n" + "\n".join(failures))
    print(
        "hardening: uid 10001, read-only /, writable /tmp in all four containers",
        flush=True,
    )
    return ports


def run_e2e_suite(
    env: dict[str, str], ports: dict[str, int], pytest_args: list[str]
) -> int:
    """Run `pytest -m e2e tests/e2e` against the containers and return its exit code."""
    pytest_env = {
        **env,
        "E2E_GATEWAY_URL": f"http://127.0.0.1:{ports['gateway']}",
        "E2E_TODO_READ_URL": f"http://127.0.0.1:{ports['todo-read']}",
        "E2E_WORKER_METRICS_URL": f"http://127.0.0.1:{ports['worker-metrics']}/metrics",
    }
    command = [sys.executable, "-m", "pytest", "-m", "e2e", "tests/e2e"]
    step = time.monotonic()
    result = subprocess.run([*command, *pytest_args], cwd=ROOT, env=pytest_env)
    print(
        f"e2e suite: {time.monotonic() - step:.1f}s, exit code {result.returncode}",
        flush=True,
    )
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--skip-local-llm", action="store_true", help="do not start the local-llm image"
    )
    parser.add_argument(
        "pytest_args", nargs="*", help="extra pytest arguments (after --)"
    )
    args = parser.parse_args()

    settings = engine_settings()
    engine = settings["CONTAINER_ENGINE"]
    env = dict(os.environ)
    if settings.get("CONTAINERS_CONF"):
        env["CONTAINERS_CONF"] = settings["CONTAINERS_CONF"]
    images = image_refs()
    missing = missing_images(engine, env, images)
    if missing:
        print(
            f"error: images not built: {', '.join(missing)}; run `task images` first",
            file=sys.stderr,
        )
        return 2

    run_id = uuid.uuid4().hex[:8]
    log_dir = ROOT / ".run" / "test-images" / run_id
    log_dir.mkdir(parents=True, exist_ok=True)
    database = f"test_images_{run_id}"
    database_url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    redis_databases = RedisDatabases(REDIS_SERVER)
    redis_url = redis_databases.claim()
    redis_client = redis.Redis.from_url(redis_url)
    containers = Containers(engine, env, run_id, log_dir)
    scripted = None
    started = time.monotonic()
    print(
        f"run {run_id}: engine {engine}, database {database}, Redis {redis_url}, logs {log_dir}",
        flush=True,
    )
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        scripted, llm_port = start_scripted_model(log_dir)
        ports = start_services(
            containers, images, database_url, llm_port, redis_client, redis_url
        )
        if not args.skip_local_llm:
            smoke_local_llm(containers, images["local-llm"])
        return run_e2e_suite(env, ports, args.pytest_args)
    except (ImageTestError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        print(f"error: {error}\n{detail}", file=sys.stderr)
        return 1
    finally:
        containers.remove_all()
        if scripted is not None:
            scripted.terminate()
            scripted.wait(10)
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        redis_client.close()
        redis_databases.release()
        print(
            f"run {run_id}: {time.monotonic() - started:.0f}s in all; logs in {log_dir}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
