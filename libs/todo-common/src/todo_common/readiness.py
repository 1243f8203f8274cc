"""Readiness checks of the two dependencies every service has."""

import asyncio

from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

CHECK_TIMEOUT_SECONDS = 2.0


async def failed_dependencies(redis: Redis, pool: AsyncConnectionPool) -> list[str]:
    """Return the names of the dependencies that did not respond in time."""
    redis_ok, postgres_ok = await asyncio.gather(
        _ping_redis(redis), _ping_postgres(pool)
    )
    failed = []
    if not redis_ok:
        failed.append("redis")
    if not postgres_ok:
        failed.append("postgres")
    return failed


async def _ping_redis(redis: Redis) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return bool(await redis.ping())
    except Exception:
        return False


async def _ping_postgres(pool: AsyncConnectionPool) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
                await conn.execute("SELECT 1")
        return True
    except Exception:
        return False
