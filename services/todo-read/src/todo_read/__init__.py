"""Read-only HTTP API over the memory in PostgreSQL: to-dos, profile, threads."""
