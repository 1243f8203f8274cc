"""FastAPI dependencies, as `Annotated` aliases that route handlers declare."""

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis
from todo_common.web import get_user_id

from gateway.queue import JobQueue
from gateway.settings import GatewaySettings


def get_settings(request: Request) -> GatewaySettings:
    return request.app.state.settings


def get_pool(request: Request) -> AsyncConnectionPool:
    return request.app.state.pool


def get_redis(request: Request) -> Redis:
    return request.app.state.redis


def get_queue(request: Request) -> JobQueue:
    return request.app.state.queue


Settings = Annotated[GatewaySettings, Depends(get_settings)]
Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]
RedisClient = Annotated[Redis, Depends(get_redis)]
Queue = Annotated[JobQueue, Depends(get_queue)]
UserId = Annotated[str, Depends(get_user_id)]
