"""FastAPI dependencies, as `Annotated` aliases that route handlers declare."""

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool
from todo_common.web import get_user_id


def get_pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool


Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]
UserId = Annotated[str, Depends(get_user_id)]
