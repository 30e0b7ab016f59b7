from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule

#: `KEYS` on every Redis client class, sync and asyncio (pipelines queue it all the same).
REDIS_KEYS = frozenset(
    {
        "redis.Redis.keys",
        "redis.asyncio.Redis.keys",
        "redis.client.Pipeline.keys",
        "redis.asyncio.client.Pipeline.keys",
        "redis.RedisCluster.keys",
        "redis.cluster.RedisCluster.keys",
        "redis.asyncio.RedisCluster.keys",
        "redis.asyncio.cluster.RedisCluster.keys",
        "aioredis.Redis.keys",
        "aioredis.client.Redis.keys",
    }
)


class RedisKeysCommand(Rule):
    """## What it does
    Checks for the Redis `KEYS` command (`.keys(pattern)`) on a Redis client, sync or asyncio.

    ## Why is this bad?
    `KEYS` walks the whole keyspace in one command. Redis is single-threaded, so while it runs
    every other client of that server waits: on a production-sized database one `KEYS` call
    stalls all requests of all services that share the server. `SCAN` returns the same keys in
    small batches and lets other commands run in between.

    ## Example
    ```python
    import redis.asyncio as redis
    from fastapi import FastAPI

    app = FastAPI()
    cache = redis.from_url("redis://localhost")

    @app.delete("/cache/users/{user_id}")
    async def clear_user_cache(user_id: int):
        for key in await cache.keys(f"user:{user_id}:*"):
            await cache.delete(key)
    ```

    Use instead:
    ```python
    import redis.asyncio as redis
    from fastapi import FastAPI

    app = FastAPI()
    cache = redis.from_url("redis://localhost")

    @app.delete("/cache/users/{user_id}")
    async def clear_user_cache(user_id: int):
        async for key in cache.scan_iter(match=f"user:{user_id}:*", count=500):
            await cache.delete(key)
    ```

    ## References
    - [Redis: KEYS](https://redis.io/docs/latest/commands/keys/)
    - [Redis: SCAN](https://redis.io/docs/latest/commands/scan/)
    """

    code = "ASL303"
    name = "redis-keys-command"
    message = (
        "`{callee}` runs `KEYS`, which scans every key and blocks the Redis server: "
        "iterate with `scan_iter(match=...)` instead"
    )
    fix_title = "Use `scan_iter(match=pattern)`"
    requires_text = ("keys",)

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value != "keys":
            return
        matched = sorted(self.semantic.qualified_names(node.func) & REDIS_KEYS)
        if matched:
            self.report(node, callee=matched[0])
