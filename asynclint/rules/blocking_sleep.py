from __future__ import annotations

from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_SLEEP


class BlockingSleep(_BlockingCallRule):
    """## What it does
    Checks for `time.sleep(...)` on the event loop.

    ## Why is this bad?
    `time.sleep` stops the whole event loop, not just the coroutine that called it: no other
    request makes progress until it returns.

    ## Example
    ```python
    import time
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/retry")
    async def retry():
        time.sleep(1)
    ```

    Use instead:
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/retry")
    async def retry():
        await asyncio.sleep(1)
    ```

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "ASL102"
    name = "blocking-sleep"
    fix_title = "Use `await asyncio.sleep(...)`"
    table = BLOCKING_SLEEP
