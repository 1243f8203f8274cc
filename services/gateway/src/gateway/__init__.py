"""Chat HTTP API: authentication, enqueueing jobs and relaying their streams as SSE."""
