"""The application's own tables, created by an explicit migration step.

Migrations are append-only: a released entry of `MIGRATIONS` never changes, a
schema change is a new entry. `apply_migrations` runs the pending ones in
order, each in its own transaction, under an advisory lock so that two
migration runs (two Helm hook Jobs, say) cannot interleave.
"""

import psycopg

# Any constant works, as long as nothing else in the database takes this lock.
MIGRATION_LOCK_ID = 7_202_612

CREATE_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS app_schema_migrations (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

SELECT_APPLIED_VERSIONS = "SELECT version FROM app_schema_migrations"
INSERT_APPLIED_VERSION = "INSERT INTO app_schema_migrations (version) VALUES (%s)"

MIGRATIONS: tuple[str, ...] = (
    # 1: threads, the runs (jobs) in them, and the messages exchanged.
    """
    CREATE TABLE threads (
        thread_id uuid PRIMARY KEY,
        user_id text NOT NULL,
        title text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX threads_user_updated_idx ON threads (user_id, updated_at DESC);

    CREATE TABLE runs (
        job_id uuid PRIMARY KEY,
        thread_id uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
        user_id text NOT NULL,
        status text NOT NULL
            CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        error text,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
    );
    -- One reply at a time per thread: a second one would race on the checkpoint.
    CREATE UNIQUE INDEX runs_one_active_per_thread
        ON runs (thread_id) WHERE status IN ('queued', 'running');

    CREATE TABLE messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        thread_id uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
        job_id uuid NOT NULL REFERENCES runs ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('user', 'assistant')),
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX messages_thread_idx ON messages (thread_id, id);
    """,
    # 2: the W3C trace context of the request that created a run, so the
    # gateway's relay of its stream joins the job's trace.
    """
    ALTER TABLE runs ADD COLUMN traceparent text;
    """,
)


def apply_migrations(conn: psycopg.Connection) -> list[int]:
    """Apply the pending migrations and return the versions applied.

    The connection must be in autocommit mode; each migration gets its own
    transaction.
    """
    applied_now: list[int] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
    try:
        conn.execute(CREATE_MIGRATIONS_TABLE)
        done = {row[0] for row in conn.execute(SELECT_APPLIED_VERSIONS).fetchall()}
        for version, sql in enumerate(MIGRATIONS, start=1):
            if version in done:
                continue
            with conn.transaction():
                conn.execute(sql)
                conn.execute(INSERT_APPLIED_VERSION, (version,))
            applied_now.append(version)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
    return applied_now


def pending_migrations(conn: psycopg.Connection) -> list[int]:
    """Return the versions not yet applied; services check this at start-up."""
    exists = conn.execute(
        "SELECT to_regclass('app_schema_migrations') IS NOT NULL"
    ).fetchone()
    done: set[int] = set()
    if exists and exists[0]:
        done = {row[0] for row in conn.execute(SELECT_APPLIED_VERSIONS).fetchall()}
    return [v for v in range(1, len(MIGRATIONS) + 1) if v not in done]
