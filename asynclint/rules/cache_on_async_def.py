from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule

MEMOIZERS = frozenset({"functools.lru_cache", "functools.cache"})


class CacheOnAsyncDef(Rule):
    """## What it does
    Checks for `functools.lru_cache` or `functools.cache` decorating an `async def`.

    ## Why is this bad?
    Calling an `async def` does not run it: it returns a coroutine object, and that object is
    what `lru_cache` stores. The first caller awaits it; every later call with the same
    arguments gets the same, already awaited coroutine and fails with `RuntimeError: cannot
    reuse already awaited coroutine`. The cache never holds the result, only a one-shot handle.

    ## Example
    ```python
    from functools import lru_cache

    import httpx
    from fastapi import FastAPI

    app = FastAPI()

    @lru_cache(maxsize=128)
    async def fetch_jwks(issuer: str) -> dict:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{issuer}/.well-known/jwks.json")).json()
    ```

    Use instead:
    ```python
    import httpx
    from async_lru import alru_cache
    from fastapi import FastAPI

    app = FastAPI()

    @alru_cache(maxsize=128, ttl=3600)
    async def fetch_jwks(issuer: str) -> dict:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{issuer}/.well-known/jwks.json")).json()
    ```

    ## References
    - [functools.lru_cache](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    - [async-lru](https://github.com/aio-libs/async-lru)
    """

    code = "ASL402"
    name = "cache-on-async-def"
    message = (
        "`@{decorator}` on `async def {function}` caches the coroutine object, not its result: "
        "a second call with the same arguments raises `RuntimeError`"
    )
    fix_title = "Use an async-aware cache such as `async_lru.alru_cache`"
    requires_text = ("cache",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for decorator in node.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):  # `@lru_cache(maxsize=128)`
                expr = expr.func
            matched = sorted(self.semantic.qualified_names(expr) & MEMOIZERS)
            if matched:
                self.report(decorator, decorator=matched[0], function=node.name.value)
