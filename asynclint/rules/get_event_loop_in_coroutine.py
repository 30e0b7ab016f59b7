from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule

GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})


class GetEventLoopInCoroutine(Rule):
    """## What it does
    Checks for `asyncio.get_event_loop()` called on the event loop, in an `async def`.

    ## Why is this bad?
    Inside a coroutine a loop is always running, and `asyncio.get_running_loop()` says so:
    it returns that loop or raises. `get_event_loop()` is the legacy, policy-based lookup that
    is deprecated outside a running loop and may create a new, never-run loop when the code
    moves (into a thread, a sync helper, a test): tasks scheduled on it silently never run.

    ## Example
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/thumbnails")
    async def thumbnails(path: str):
        loop = asyncio.get_event_loop()
        return await loop.run_in_executor(None, make_thumbnail, path)
    ```

    Use instead:
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/thumbnails")
    async def thumbnails(path: str):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, make_thumbnail, path)
    ```

    ## References
    - [Loop API](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.get_running_loop)
    """

    code = "ASL502"
    name = "get-event-loop-in-coroutine"
    message = "`asyncio.get_event_loop()` in {context}: use `asyncio.get_running_loop()`"
    fix_title = "Replace with `asyncio.get_running_loop()`"
    requires_text = ("get_event_loop",)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.semantic.qualified_names(node.func) & GET_EVENT_LOOP:
            return
        context = self.semantic.loop_context(node)
        if context is not None:
            self.report(node, context=context.describe())
