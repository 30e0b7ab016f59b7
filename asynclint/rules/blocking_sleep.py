from __future__ import annotations

import libcst as cst

from asynclint.fix import Applicability, Fix
from asynclint.rule import FixAvailability
from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_SLEEP
from asynclint.rules._fixes import can_await, import_of, module_attribute, module_name_at


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

    ## Fix safety
    Safe: `time.sleep(x)` becomes `await asyncio.sleep(x)` (`import asyncio` added, through any
    alias of `time` or `sleep`), only directly in the `async def` body: never in a nested
    `def`, a lambda or a generator expression, where `await` would not compile or would change
    what the expression is. The `time` import is removed when nothing else uses it.

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "ASL102"
    name = "blocking-sleep"
    fix_title = "Use `await asyncio.sleep(...)`"
    fix_availability = FixAvailability.SOMETIMES
    table = BLOCKING_SLEEP

    def fix_for(self, node: cst.Call, callee: str) -> Fix | None:
        if callee != "time.sleep" or not can_await(self.semantic, node):
            return None
        named = module_name_at(self.semantic, node, "asyncio")
        if named is None:
            return None  # `asyncio` means something else here
        asyncio, imports = named
        sleep = node.with_changes(func=module_attribute(asyncio, "sleep"), lpar=(), rpar=())
        replacement = cst.Await(expression=sleep, lpar=node.lpar, rpar=node.rpar)
        imported = import_of(self.semantic, node.func)
        return Fix(
            node,
            replacement,
            Applicability.SAFE,
            imports=imports,
            unused_imports=(imported,) if imported else (),
        )
