from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule

SPAWNERS = frozenset(
    {
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.tasks.create_task",
        "asyncio.tasks.ensure_future",
    }
)
LOOP_METHODS = frozenset({"create_task", "run_in_executor"})
#: What an event loop is, by annotation or origin (`asyncio.get_running_loop()` & co).
LOOP_TYPES = frozenset({"asyncio.AbstractEventLoop", "asyncio.BaseEventLoop", "uvloop.Loop"})

_TASK_LOST = "the task can be garbage-collected before it finishes and its exception is never seen"
_FUTURE_LOST = "nothing waits for it and its exception is never seen"


class DanglingTask(Rule):
    """## What it does
    Checks for `asyncio.create_task`, `asyncio.ensure_future`, `loop.create_task` and
    `loop.run_in_executor` used as a statement on their own, their result dropped.

    ## Why is this bad?
    The event loop keeps only a weak reference to a task. A task nobody holds can be
    garbage-collected while it is still running, so a "fire and forget" email or audit write
    may silently never finish. And since nobody awaits it, an exception it raises is only
    logged as "Task exception was never retrieved", long after the request has returned.

    ## Example
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/signup")
    async def signup(email: str):
        asyncio.create_task(send_welcome_email(email))
    ```

    Use instead:
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()
    background_tasks: set[asyncio.Task] = set()

    @app.post("/signup")
    async def signup(email: str):
        task = asyncio.create_task(send_welcome_email(email))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    ```

    ## References
    - [asyncio.create_task](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    code = "ASL503"
    name = "dangling-task"
    message = "The result of `{callee}(...)` is dropped: {consequence}"
    fix_title = "Keep a reference (a set of tasks, a TaskGroup) or await the result"
    requires_text = ("create_task", "ensure_future", "run_in_executor")

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        spawner = sorted(self.semantic.qualified_names(call.func) & SPAWNERS)
        if spawner:
            self.report(call, callee=spawner[0], consequence=_TASK_LOST)
            return
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOOP_METHODS:
            return
        if self.semantic.types_of(func.value) & LOOP_TYPES:
            lost = _TASK_LOST if func.attr.value == "create_task" else _FUTURE_LOST
            self.report(call, callee=f"loop.{func.attr.value}", consequence=lost)
