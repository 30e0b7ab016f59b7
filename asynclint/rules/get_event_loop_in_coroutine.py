from __future__ import annotations

import libcst as cst

from asynclint.fix import Applicability, Fix, Import
from asynclint.rule import FixAvailability, Rule
from asynclint.rules._fixes import import_of, module_attribute, module_name_at
from asynclint.semantic.walker import body_nodes

GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
GET_RUNNING_LOOP = frozenset({"asyncio.get_running_loop", "asyncio.events.get_running_loop"})


class GetEventLoopInCoroutine(Rule):
    """## What it does
    Checks for `asyncio.get_event_loop()` called on the event loop, in an `async def`. Not
    the fallback of a `try` that asks `asyncio.get_running_loop()` first (`except
    RuntimeError:`): in a coroutine that fallback never runs.

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

    ## Fix safety
    Safe: inside a coroutine both return the running loop, so the call is renamed to
    `get_running_loop()` (through the same module alias; `from asyncio import get_event_loop`
    becomes `asyncio.get_running_loop()`, with `import asyncio` added).

    ## References
    - [Loop API](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.get_running_loop)
    """

    code = "ASL502"
    name = "get-event-loop-in-coroutine"
    serves_requests = True
    message = "`asyncio.get_event_loop()` in {context}: use `asyncio.get_running_loop()`"
    fix_title = "Replace with `asyncio.get_running_loop()`"
    fix_availability = FixAvailability.SOMETIMES
    requires_text = ("get_event_loop",)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.semantic.qualified_names(node.func) & GET_EVENT_LOOP:
            return
        context = self.semantic.loop_context(node)
        if context is not None and not self._fallback(node):
            self.report(node, fix=self._fix(node), context=context.describe())

    def _fallback(self, node: cst.Call) -> bool:
        """`try: loop = get_running_loop() except RuntimeError: loop = get_event_loop()`:
        in a coroutine the `try` never fails, so the fallback never runs."""
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(current, cst.FunctionDef):
            parent = self.semantic.parent_of(current)
            if isinstance(current, cst.ExceptHandler) and isinstance(parent, cst.Try):
                return self._catches_runtime_error(current) and self._only_asks(parent)
            current = parent
        return False

    def _catches_runtime_error(self, handler: cst.ExceptHandler) -> bool:
        """`except RuntimeError:` or `except (RuntimeError, ...):`."""
        caught = handler.type
        types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        return any(
            t is not None and "builtins.RuntimeError" in self.semantic.qualified_names(t)
            for t in types
        )

    def _only_asks(self, block: cst.Try) -> bool:
        """The `try` does nothing but ask for the running loop (no other call, no await)."""
        calls = [n for n in body_nodes(block.body) if isinstance(n, (cst.Call, cst.Await))]
        return bool(calls) and all(
            isinstance(n, cst.Call) and self.semantic.qualified_names(n.func) & GET_RUNNING_LOOP
            for n in calls
        )

    def _fix(self, node: cst.Call) -> Fix | None:
        """In a coroutine the two return the same loop: a safe rename."""
        func = node.func
        imports: tuple[Import, ...] = ()
        if isinstance(func, cst.Attribute):  # `asyncio.get_event_loop`, `aio.get_event_loop`
            new_func: cst.BaseExpression = func.with_changes(attr=cst.Name("get_running_loop"))
        else:  # `from asyncio import get_event_loop`
            named = module_name_at(self.semantic, node, "asyncio")
            if named is None:
                return None
            new_func, imports = module_attribute(named[0], "get_running_loop"), named[1]
        imported = import_of(self.semantic, func) if isinstance(func, cst.Name) else None
        return Fix(
            node,
            node.with_changes(func=new_func),
            Applicability.SAFE,
            imports=imports,
            unused_imports=(imported,) if imported else (),
        )
