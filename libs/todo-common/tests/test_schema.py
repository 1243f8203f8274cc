"""Migrations apply once, in order, and report what is pending."""

import psycopg
from todo_common.schema import MIGRATIONS, apply_migrations, pending_migrations


def test_migrations_are_idempotent(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert pending_migrations(conn) == []
        assert apply_migrations(conn) == []


def test_pending_lists_every_version_on_empty_database(database_url):
    base, _ = database_url.rsplit("/", 1)
    name = "test_empty_" + database_url.rsplit("_", 1)[1]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"{base}/{name}", autocommit=True) as conn:
            assert pending_migrations(conn) == list(range(1, len(MIGRATIONS) + 1))
            assert apply_migrations(conn) == list(range(1, len(MIGRATIONS) + 1))
            assert pending_migrations(conn) == []
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
