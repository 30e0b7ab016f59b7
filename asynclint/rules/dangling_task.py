from __future__ import annotations

import libcst as cst

from asynclint.fix import Applicability, Fix
from asynclint.rule import FixAvailability, Rule
from asynclint.rules._fixes import module_name_at, spelled_names
from asynclint.rules._lifecycle import request_handler
from asynclint.semantic.walker import before_yield, body_nodes

REGISTRY = "_background_tasks"
_TASK_NAMES = ("task", "_task", "background_task", "_background_task")

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

    A task of an `async def` that never suspends (no `await`, `async for` or `async with`),
    in the same file or imported from another module of the project, is not reported: it
    finishes in its first step, and until then the event loop holds it. Nor is a task
    started while the app starts: in a startup hook or a lifespan before its `yield`, or in
    a function only they call and no other code names (one module away from the hook, or
    through its own module's helpers): the app's own long-lived worker, started once, not
    work dropped on every request. That is a choice: such a worker is still better kept
    (to cancel it at shutdown and see it fail), but readers of real services did not count
    it as a pitfall. A task dropped at shutdown (a shutdown hook, a lifespan after its
    `yield`) is reported: it is the likeliest to be lost. Nor is a task that runs a periodic
    loop of the same file minding its own failures, started outside a request handler (an
    `async def` whose `while` loop never returns or breaks, catches `Exception` around its
    work and sleeps between rounds, as `repeat_every` does): the loop's timer holds it while
    it sleeps, and it logs what fails instead of losing it.
    Nor is a close scheduled from a `__del__`: a finalizer can neither await nor hand the
    task to anyone, and its cleanup is best-effort by design.

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

    ## Fix safety
    Unsafe (applied with `--unsafe-fixes`): `asyncio.create_task(x)` (also `ensure_future`,
    `loop.create_task`) becomes `task = ...`, kept in a module-level `_background_tasks` set
    and discarded when done. The task then lives until it finishes, which changes its
    lifetime. `run_in_executor` has no fix.

    ## References
    - [asyncio.create_task](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    code = "ASL503"
    name = "dangling-task"
    message = "The result of `{callee}(...)` is dropped: {consequence}"
    fix_title = "Keep a reference (a set of tasks, a TaskGroup) or await the result"
    fix_availability = FixAvailability.SOMETIMES
    requires_text = ("create_task", "ensure_future", "run_in_executor")
    follows_functions = True  # does an imported coroutine ever suspend?

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call) or self._at_startup(call) or self._in_finalizer(call):
            return
        spawner = sorted(self.semantic.qualified_names(call.func) & SPAWNERS)
        if spawner:
            if not self._finishes_at_once(call) and not self._minds_itself(call):
                fix = self._fix(node, call)
                self.report(call, fix=fix, callee=spawner[0], consequence=_TASK_LOST)
            return
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in LOOP_METHODS:
            return
        if self.semantic.types_of(func.value) & LOOP_TYPES:
            task = func.attr.value == "create_task"
            if task and (self._finishes_at_once(call) or self._minds_itself(call)):
                return
            self.report(
                call,
                fix=self._fix(node, call) if task else None,
                callee=f"loop.{func.attr.value}",
                consequence=_TASK_LOST if task else _FUTURE_LOST,
            )

    def _spawner(self, call: cst.Call) -> cst.CSTNode | None:
        """The function (or module) whose code makes `call`."""
        scope = self.semantic.scope_of(call)
        return scope.function.node if scope is not None else None

    def _coroutine_def(self, spawn: cst.Call) -> tuple[cst.Call | None, cst.FunctionDef | None]:
        """The call that makes the task's coroutine, and its `def` in this file if any."""
        argument = spawn.args[0].value if spawn.args else None
        if not isinstance(argument, cst.Call):
            return None, None
        return argument, self.semantic.local_function(argument.func)

    def _at_startup(self, call: cst.Call) -> bool:
        """In a startup hook, or a lifespan before its `yield` (after it, at shutdown, a
        dropped task is the likeliest to be lost)."""
        function = self._spawner(call)
        return (
            isinstance(function, cst.FunctionDef)
            and self.semantic.fastapi.starts(function)
            and id(call) in before_yield(function)
        )

    def _in_finalizer(self, call: cst.Call) -> bool:
        """In a `__del__`: the object is going away, nothing can await there, and a close
        scheduled from it is best-effort by design (the OpenAI SDK's clients do it)."""
        function = self._spawner(call)
        return isinstance(function, cst.FunctionDef) and function.name.value == "__del__"

    def _finishes_at_once(self, spawn: cst.Call) -> bool:
        """The task runs a coroutine that never suspends (no `await`, `async for` or `async
        with`): it finishes in its first step, which the loop holds. Its `async def` is in
        this file, or another module's summary says so. A plain `def` of this file that
        returns nothing makes no coroutine at all: `create_task` raises `TypeError`."""
        argument, function = self._coroutine_def(spawn)
        if argument is None:
            return False
        if function is not None:
            if function.asynchronous is None:
                return not any(
                    isinstance(node, cst.Return) and node.value is not None
                    for node in body_nodes(function.body)
                )
            return self.semantic.never_suspends(function)
        return any(
            (facts := self.semantic.function_facts(qname)) is not None and not facts.suspends
            for qname in sorted(self.semantic.qualified_names(argument.func))
        )

    def _minds_itself(self, spawn: cst.Call) -> bool:
        """Outside a request handler, the task runs an `async def` of this file with a
        periodic loop that minds its own failures: a `while` that never returns or breaks,
        whose body catches `Exception` (or anything) around its work and awaits
        `asyncio.sleep` between rounds. A retry loop (it returns once the work succeeds) is
        one-shot work, not a loop that lives as long as the app."""
        if request_handler(self.semantic, spawn):
            return False
        _, function = self._coroutine_def(spawn)
        return (
            function is not None
            and function.asynchronous is not None
            and any(
                isinstance(node, cst.While) and self._periodic(node)
                for node in body_nodes(function.body)
            )
        )

    def _periodic(self, loop: cst.While) -> bool:
        nodes = list(body_nodes(loop.body))
        if any(isinstance(node, (cst.Return, cst.Break)) for node in nodes):
            return False  # (a `break` of an inner loop too: erring towards reporting)
        sleeps = any(
            isinstance(node, cst.Await)
            and isinstance(node.expression, cst.Call)
            and self.semantic.resolves_to(node.expression.func, "asyncio.sleep")
            for node in nodes
        )
        return sleeps and any(
            isinstance(node, cst.Try) and any(self._catches_all(h) for h in node.handlers)
            for node in nodes
        )

    def _catches_all(self, handler: cst.ExceptHandler) -> bool:
        caught = handler.type
        return caught is None or any(
            self.semantic.resolves_to(caught, name)
            for name in ("builtins.Exception", "builtins.BaseException")
        )

    def _fix(self, expr: cst.Expr, call: cst.Call) -> Fix | None:
        """`task = <call>`, kept in a module-level set until it is done."""
        line = self.semantic.parent_of(expr)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        scope = self.semantic.scope_of(call)
        if scope is None or scope.function.node is self.semantic.module:
            return None  # at import time the set the fix adds may not exist yet
        named = module_name_at(self.semantic, call, "asyncio")
        if named is None or not self._registry_free():
            return None
        if scope.lookup(REGISTRY) not in (None, self.semantic.module_scope.bindings.get(REGISTRY)):
            return None  # `_background_tasks` means something else in this function
        asyncio, imports = named
        written = spelled_names(scope.function.node)  # `return task` elsewhere is not this task
        name = next((n for n in _TASK_NAMES if n not in written and not scope.lookup(n)), None)
        if name is None:
            return None
        statements = [
            f"{name} = __CALL__",
            f"{REGISTRY}.add({name})",
            f"{name}.add_done_callback({REGISTRY}.discard)",
        ]
        new: list[cst.SimpleStatementLine] = [
            cst.ensure_type(cst.parse_statement(s + "\n"), cst.SimpleStatementLine)
            for s in statements
        ]
        assign = cst.ensure_type(new[0].body[0], cst.Assign).with_changes(value=call)
        new[0] = new[0].with_changes(
            body=[assign],
            leading_lines=line.leading_lines,
            trailing_whitespace=line.trailing_whitespace,  # a comment stays with the call
        )
        return Fix(
            line,
            cst.FlattenSentinel(new),
            Applicability.UNSAFE,
            imports=imports,
            module_statements=(f"{REGISTRY}: set[{asyncio}.Future] = set()\n",),
        )

    def _registry_free(self) -> bool:
        """`_background_tasks` is not bound at module level, or is the set this fix adds."""
        bindings = self.semantic.module_scope.bindings.get(REGISTRY, [])
        return all(
            isinstance(b.value, cst.Call)
            and self.semantic.resolves_to(b.value.func, "builtins.set")
            for b in bindings
        )
