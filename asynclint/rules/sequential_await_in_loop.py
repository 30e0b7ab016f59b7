from __future__ import annotations

from functools import cached_property

import libcst as cst

from asynclint.rule import LineOf, Rule
from asynclint.rules._calls import HTTP_VERBS
from asynclint.rules._loops import LoopAnalysis

HTTP_REQUESTS = frozenset(
    f"{client}.{method}"
    for client in ("httpx.AsyncClient", "aiohttp.ClientSession")
    for method in (*HTTP_VERBS, "send")
)


class SequentialAwaitInLoop(Rule):
    """## What it does
    Checks for an outbound HTTP request (`httpx.AsyncClient` or `aiohttp.ClientSession`
    `get/post/put/patch/delete/head/options/request/send`) awaited inside a loop, or a
    comprehension, whose arguments change with each iteration.

    A loop that sleeps between requests (`await asyncio.sleep(...)`) is paced on purpose
    and not reported, nor is a crawl whose next request comes from the previous answer (a
    loop that adds what it found to the list it works through, or calls its own function with
    it), nor a chain whose requests each send what the one before answered (filters applied
    in turn: `payload = response.json()`); nor is code off every request path: a lifespan
    or startup hook, or a function the project schedules on a timer (APScheduler's `add_job`
    or `scheduled_job`, `repeat_every`).

    As for every ASL2xx-ASL5xx rule, code that serves no request is left alone (a router
    nobody mounts and the services only it uses, what only a script, a CLI or a worker
    imports, a route an earlier one always answers first: the README says how it is judged).

    ## Why is this bad?
    Each `await` waits for one response before the next request is sent, so ten calls to a
    service that answers in 200 ms take two seconds. The requests are independent: sent
    together, they take about as long as the slowest one.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    client = httpx.AsyncClient(base_url="https://inventory.internal")

    @app.post("/stock")
    async def stock(skus: list[str]):
        levels = {}
        for sku in skus:
            levels[sku] = (await client.get(f"/items/{sku}")).json()
        return levels
    ```

    Use instead:
    ```python
    import asyncio

    import httpx
    from fastapi import FastAPI

    app = FastAPI()
    client = httpx.AsyncClient(base_url="https://inventory.internal")
    limit = asyncio.Semaphore(10)

    async def level(sku: str) -> dict:
        async with limit:
            return (await client.get(f"/items/{sku}")).json()

    @app.post("/stock")
    async def stock(skus: list[str]):
        return dict(zip(skus, await asyncio.gather(*(level(s) for s in skus))))
    ```

    ## References
    - [asyncio.gather](https://docs.python.org/3/library/asyncio-task.html#asyncio.gather)
    - [asyncio.Semaphore](https://docs.python.org/3/library/asyncio-sync.html#asyncio.Semaphore)
    """

    code = "ASL302"
    name = "sequential-await-in-loop"
    serves_requests = True
    message = (
        "`{callee}` is awaited once per iteration of {loop} (line {loop_line}), one request "
        "after another: send them concurrently with `asyncio.gather` and an `asyncio.Semaphore`"
    )
    fix_title = "Use `asyncio.gather` with a semaphore to bound concurrency"
    requires_text = ("httpx", "aiohttp")

    @cached_property
    def loops(self) -> LoopAnalysis:
        return LoopAnalysis(self.semantic)

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute) or not self._awaited(node):
            return
        matched = sorted(self.semantic.qualified_names(node.func) & HTTP_REQUESTS)
        if not matched:
            return
        loop = self.loops.depends_on(node)
        if loop is not None and not self._paced(loop) and not self.loops.runs_once(node):
            self.report(
                node, callee=matched[0], loop=self.loops.describe(loop), loop_line=LineOf(loop)
            )

    def _paced(self, loop: cst.CSTNode) -> bool:
        """The loop sleeps between requests on purpose (rate limits, anti-flood)."""
        for call in self.semantic.nodes(cst.Call):
            if self.semantic.resolves_to(call.func, "asyncio.sleep"):
                parent = self.semantic.parent_of(call)
                while parent is not None and parent is not loop:
                    parent = self.semantic.parent_of(parent)
                if parent is loop:
                    return True
        return False

    def _awaited(self, node: cst.Call) -> bool:
        """`await client.get(...)`, or aiohttp's `async with session.get(...) as response`."""
        parent = self.semantic.parent_of(node)
        if isinstance(parent, cst.Await):
            return True
        if isinstance(parent, cst.WithItem):
            with_statement = self.semantic.parent_of(parent)
            return isinstance(with_statement, cst.With) and with_statement.asynchronous is not None
        return False
