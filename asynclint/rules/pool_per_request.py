from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule
from asynclint.rules._lifecycle import POOLS, built_per_request


class PoolPerRequest(Rule):
    """## What it does
    Checks for database and cache pools, engines and connections created inside a request
    handler (route, dependency, middleware; sync or async): `asyncpg.create_pool`,
    `asyncpg.connect`, `aiomysql.create_pool`, `aiopg.create_pool`, `create_engine`,
    `create_async_engine`, `redis.Redis`, `redis.asyncio.Redis`, `from_url`, motor
    `AsyncIOMotorClient`, `pymongo.MongoClient` and `databases.Database`. Pools made in
    `lifespan`, at module level, in helper factories or stored for later are fine, and so is a
    `redis.Redis(connection_pool=pool)` over a shared pool, and so is a pool built only while a
    module-level name the handler fills is unset (`global key; if key: return key`): once
    filled, that code never runs again.

    ## Why is this bad?
    A pool or engine exists to reuse connections across requests. One built per request opens
    fresh connections (TCP, TLS, authentication) every time, never reuses them, and can exhaust
    the database's connection limit under load. A per-request `asyncpg.connect` does the same
    without a pool.

    ## Example
    ```python
    import asyncpg
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/users/{user_id}")
    async def get_user(user_id: int):
        pool = await asyncpg.create_pool("postgresql://localhost/app")
        async with pool.acquire() as conn:
            return await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
    ```

    Use instead:
    ```python
    from contextlib import asynccontextmanager

    import asyncpg
    from fastapi import FastAPI, Request

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = await asyncpg.create_pool("postgresql://localhost/app")
        yield
        await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/users/{user_id}")
    async def get_user(user_id: int, request: Request):
        async with request.app.state.pool.acquire() as conn:
            return await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
    ```

    ## References
    - [asyncpg: Connection pools](https://magicstack.github.io/asyncpg/current/usage.html#connection-pools)
    - [SQLAlchemy: Engine configuration](https://docs.sqlalchemy.org/en/20/core/engines.html)
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    """

    code = "ASL202"
    name = "pool-per-request"
    serves_requests = True
    message = "`{callee}` is created per request in {context}: no connection is reused"
    fix_title = "Create the pool or engine once in `lifespan` (or at module level) and share it"
    requires_text = (
        "connect",
        "create_pool",
        "engine",
        "Redis",
        "from_url",
        "Mongo",
        "Motor",
        "Database",
    )

    def visit_Call(self, node: cst.Call) -> None:
        found = built_per_request(self.semantic, node, POOLS)
        if found is not None and not _shares_a_pool(node):
            self.report(node, callee=found[0], context=found[1])


def _shares_a_pool(call: cst.Call) -> bool:
    """`redis.Redis(connection_pool=pool)`: a thin client over a pool made elsewhere."""
    return any(
        arg.keyword is not None
        and arg.keyword.value == "connection_pool"
        and not isinstance(arg.value, cst.Call)
        for arg in call.args
    )
