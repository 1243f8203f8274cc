"""Run the UI's browser tests, or take its screenshots, against the real services.

Starts a fresh database, the scripted model server, the worker, the gateway,
todo-read and `vite preview` of the built UI on free loopback ports, then runs
`npm run test:browser` (or, with the argument `screenshots`, `npm run
screenshots`) with UI_URL and SCRIPTED_LLM_URL set, and stops it all.
"""

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from stack import (
    ROOT,
    RedisDatabases,
    Stack,
    base_env,
    create_database,
    drop_database,
    free_port,
    start_backend,
)

ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")


def main() -> int:
    script = "screenshots" if sys.argv[1:] == ["screenshots"] else "test:browser"
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/test_ui_{uuid.uuid4().hex[:10]}"
    create_database(database_url)
    redis_databases = RedisDatabases(REDIS_SERVER)
    redis_url = redis_databases.claim()
    log_dir = Path(tempfile.mkdtemp(prefix="browser-tests-"))
    ports = {
        "gateway": free_port(),
        "todo-read": free_port(),
        "ui": free_port(),
        "llm": free_port(),
    }
    env = base_env(database_url, redis_url, "browser-test-secret-" + "y" * 32)
    llm_url = f"http://127.0.0.1:{ports['llm']}"
    env.update(
        LLM_BASE_URL=f"{llm_url}/v1",
        LLM_API_KEY="scripted",
        LLM_MODEL="scripted",
        LOG_FORMAT="json",
        STREAM_HEARTBEAT_SECONDS="2",
    )
    stack = Stack(env, log_dir)
    try:
        stack.start(
            "scripted-llm",
            [
                sys.executable,
                str(ROOT / "tests/support/scripted_llm.py"),
                "--port",
                str(ports["llm"]),
            ],
            f"{llm_url}/health",
        )
        start_backend(stack, ports)
        stack.start(
            "ui",
            ["npm", "run", "preview", "--", "--port", str(ports["ui"]), "--strictPort"],
            f"http://127.0.0.1:{ports['ui']}/",
            {
                "GATEWAY_URL": f"http://127.0.0.1:{ports['gateway']}",
                "TODO_READ_URL": f"http://127.0.0.1:{ports['todo-read']}",
            },
            cwd=ROOT / "frontend",
        )
        test_env = {
            **os.environ,
            "UI_URL": f"http://127.0.0.1:{ports['ui']}",
            "SCRIPTED_LLM_URL": llm_url,
        }
        result = subprocess.run(
            ["npm", "run", script], cwd=ROOT / "frontend", env=test_env
        )
        if result.returncode != 0:
            print(
                f"Browser tests failed; service logs are in {log_dir}", file=sys.stderr
            )
        return result.returncode
    finally:
        stack.stop()
        drop_database(database_url)
        redis_databases.release()


if __name__ == "__main__":
    sys.exit(main())
