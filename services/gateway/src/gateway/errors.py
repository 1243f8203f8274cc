"""Domain errors of the gateway and the one place that maps them to HTTP responses."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class NotFoundError(Exception):
    """The object does not exist or belongs to another user, and both return 404."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class ThreadBusyError(Exception):
    """The thread already has a reply queued or running."""


class QueueUnavailableError(Exception):
    """The job could not be enqueued because Redis did not respond."""


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to short, stable HTTP responses."""

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc).capitalize()})

    @app.exception_handler(ThreadBusyError)
    async def thread_busy(_: Request, exc: ThreadBusyError) -> JSONResponse:
        detail = (
            "The thread has a reply in progress; wait for its end event, then send."
        )
        return JSONResponse(status_code=409, content={"detail": detail})

    @app.exception_handler(QueueUnavailableError)
    async def queue_down(_: Request, exc: QueueUnavailableError) -> JSONResponse:
        detail = "The job queue is unavailable; the message was not sent. Try again."
        return JSONResponse(status_code=503, content={"detail": detail})
