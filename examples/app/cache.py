"""Redis: a rate limiter on the old sync client, and a JSON cache on redis.asyncio."""

import json
from typing import Any

import redis
import redis.asyncio as aioredis
from fastapi import HTTPException, Request, status

from .config import settings

redis_client = redis.Redis(host=settings.redis_host, port=settings.redis_port, db=0)
async_redis = aioredis.Redis(host=settings.redis_host, port=settings.redis_port, db=1)

REQUESTS_PER_MINUTE = 120


async def rate_limit(request: Request) -> None:
    """Dependency: allow REQUESTS_PER_MINUTE per client IP."""
    client = request.client.host if request.client else "unknown"
    if redis_client.get(f"banned:{client}"):  # expect: ASL105
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Client is blocked")
    key = f"ratelimit:{client}"
    hits = redis_client.incr(key)  # expect: ASL105
    if hits == 1:
        redis_client.expire(key, 60)  # expect: ASL105
    if hits > REQUESTS_PER_MINUTE:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "Slow down")


async def cached_json(key: str) -> Any | None:
    raw = await async_redis.get(key)
    return None if raw is None else json.loads(raw)


async def store_json(key: str, value: Any, ttl: int = 300) -> None:
    await async_redis.set(key, json.dumps(value, default=str), ex=ttl)
