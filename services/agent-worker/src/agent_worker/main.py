"""Worker entry point: `agent-worker run` and `agent-worker migrate`."""

import argparse
import faulthandler
import signal

import psycopg
import structlog
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore
from prometheus_client import start_http_server
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from todo_common.keys import QUEUE_NAME
from todo_common.logs import configure_logging
from todo_common.metrics import register_pool
from todo_common.schema import apply_migrations
from todo_common.telemetry import configure_tracing, instrument_libraries
from todo_common.web import check_schema

from agent_worker.runtime import build_runtime, set_runtime
from agent_worker.settings import WorkerSettings

log = structlog.get_logger(__name__)


def migrate(settings: WorkerSettings) -> None:
    """Create or upgrade every table: the app's, the store's and the checkpointer's."""
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        applied = apply_migrations(conn)
    with PostgresStore.from_conn_string(settings.database_url) as store:
        store.setup()
    with PostgresSaver.from_conn_string(settings.database_url) as saver:
        saver.setup()
    log.info("schema.migrated", app_versions_applied=applied)


class ChatWorker(SimpleWorker):
    """RQ's SimpleWorker without its pub/sub command thread.

    That thread blocks in a 60-second read (rq 3.0, `run_in_thread(sleep_time=60)`),
    and closing it at shutdown waited for that read, so a worker could take up
    to a minute to exit after SIGTERM. The worker takes no pub/sub commands
    (stop-job, kill-horse), so it does not subscribe at all.
    """

    def subscribe(self) -> None:
        self.pubsub_thread = None

    def unsubscribe(self) -> None:
        pass


def run(settings: WorkerSettings) -> None:
    """Serve the chat queue until SIGTERM; a running job finishes first."""
    # `kill -USR1 <pid>` prints every thread's stack, for diagnosing a stuck worker.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    shutdown_tracing = configure_tracing("agent-worker")
    instrument_libraries()
    check_schema(settings.database_url)
    runtime = build_runtime(settings)
    set_runtime(runtime)
    register_pool(runtime.pool.get_stats)
    start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    worker = ChatWorker(
        [Queue(QUEUE_NAME, connection=runtime.redis, serializer=JSONSerializer)],
        connection=runtime.redis,
        serializer=JSONSerializer,
        name=settings.worker_name,
    )
    log.info(
        "worker.started", queue=QUEUE_NAME, model=runtime.model_name, worker=worker.name
    )
    try:
        worker.work(with_scheduler=False, logging_level=settings.log_level.upper())
    finally:
        runtime.close()
        shutdown_tracing()
        log.info("worker.stopped", worker=worker.name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="agent-worker", description=__doc__)
    parser.add_argument("command", choices=["run", "migrate"], help="what to do")
    args = parser.parse_args(argv)
    settings = WorkerSettings()  # type: ignore[call-arg]
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "migrate":
        migrate(settings)
    else:
        run(settings)


if __name__ == "__main__":
    main()
