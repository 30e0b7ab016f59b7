from __future__ import annotations

import libcst as cst

from asynclint.rule import LineOf, Rule


class BlockingCallViaHelper(Rule):
    """## What it does
    Checks for calls made on the event loop to a sync project function (in this module or
    another, methods included) that makes a blocking call itself or through other sync
    helpers: anything ASL101-105 or ASL107 would flag. The message names the chain down to the
    blocking call and where it is. A chain ends at a function without parameters whose result
    is cached (`@lru_cache def get_settings()`): its body runs once per process.

    ## Why is this bad?
    Moving `db.query(...)` or `requests.get(...)` into `crud.py` or `services.py` does not make
    it asynchronous: the route still waits for it on the event loop, and every other request
    waits too. Per-file linters cannot see it; the route looks clean.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()

    def fetch_rates() -> dict:
        return requests.get("https://rates.example.com").json()

    @app.get("/convert")
    async def convert(amount: float):
        return amount * fetch_rates()["EUR"]
    ```

    Use instead:
    ```python
    import requests
    from fastapi import FastAPI
    from starlette.concurrency import run_in_threadpool

    app = FastAPI()

    def fetch_rates() -> dict:
        return requests.get("https://rates.example.com").json()

    @app.get("/convert")
    async def convert(amount: float):
        return amount * (await run_in_threadpool(fetch_rates))["EUR"]
    ```
    Or make the helper async (`httpx.AsyncClient`, an async driver), or the route a plain
    `def`.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    """

    code = "ASL106"
    name = "blocking-call-via-helper"
    message = "{chain} ({where}{line}) blocks the event loop in {context}"
    fix_title = "Run the helper with `run_in_threadpool`, or make it async"
    follows_functions = True

    def visit_Call(self, node: cst.Call) -> None:
        context = self.semantic.loop_call(node)
        if context is None:
            return
        chain = self.semantic.helpers.chain(node)
        if chain is None:
            return
        steps = " → ".join(f"`{step}()`" for step in chain.steps)
        line = chain.line
        self.report(
            node,
            context=context.describe(),
            chain=f"{steps} → `{chain.blocking}`",
            where=f"{chain.filename}:" if chain.filename else "line ",
            line=str(line) if isinstance(line, int) else LineOf(line),
        )
