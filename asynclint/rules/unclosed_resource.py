from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule
from asynclint.rules._lifecycle import ACQUIRES, constructor, in_finally, kind_of, uses


class UnclosedResource(Rule):
    """## What it does
    Checks for a connection or client acquired into a local name (`await asyncpg.connect()`,
    `await pool.acquire()`, `httpx.AsyncClient()`, `httpx.Client()`, `aiohttp.ClientSession()`,
    `requests.Session()`) that is not used with `with`/`async with`, is not closed or released
    in a `finally:` block, and does not escape the function (returned, yielded, stored on an
    attribute or in a container, captured by a nested function, or passed to another call,
    which may take ownership). A release that only runs when nothing raised still counts.

    ## Why is this bad?
    An exception between acquiring and releasing leaks the resource: a pool connection is never
    returned (after a few errors every request waits on `acquire()` forever), a client keeps its
    sockets open until the garbage collector finds it, and aiohttp warns about unclosed
    sessions. Yield dependencies that release in `finally`, or `async with`, scope it right.

    ## Example
    ```python
    import asyncpg

    async def user_name(pool: asyncpg.Pool, user_id: int) -> str:
        conn = await pool.acquire()
        name = await conn.fetchval("SELECT name FROM users WHERE id = $1", user_id)
        await pool.release(conn)
        return name
    ```

    Use instead:
    ```python
    import asyncpg

    async def user_name(pool: asyncpg.Pool, user_id: int) -> str:
        async with pool.acquire() as conn:
            return await conn.fetchval("SELECT name FROM users WHERE id = $1", user_id)

    async def get_connection(pool: asyncpg.Pool):
        conn = await pool.acquire()
        try:
            yield conn
        finally:
            await pool.release(conn)
    ```

    ## References
    - [asyncpg: Pool.acquire](https://magicstack.github.io/asyncpg/current/api/index.html#asyncpg.pool.Pool.acquire)
    - [HTTPX: Clients](https://www.python-httpx.org/advanced/clients/)
    - [FastAPI: Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "ASL203"
    name = "unclosed-resource"
    message = "`{name}` from `{callee}` is {problem}"
    fix_title = "Use `async with`/`with`, or release it in a `finally:` block"
    requires_text = ("connect", "acquire", "Client", "Session", "session")

    def visit_Call(self, node: cst.Call) -> None:
        callee = constructor(self.semantic, node, ACQUIRES)
        if callee is None:
            return
        value = self.semantic.parent_of(node)
        if not isinstance(value, cst.Await):
            value = node
        target = _local_target(self.semantic.parent_of(value), value)
        scope = self.semantic.scope_of(node)
        if target is None or scope is None or not isinstance(scope.function.node, cst.FunctionDef):
            return
        function = scope.function
        if target in function.declared_outer:
            return  # `global client`: kept for later
        releases = []
        for use in uses(self.semantic, function, target):
            kind = kind_of(self.semantic, use, function)
            if kind in ("with", "escape"):
                return
            if kind == "release":
                releases.append(use)
        if any(in_finally(self.semantic, use, function.node) for use in releases):
            return
        problem = "released only on the success path" if releases else "never released"
        self.report(node, name=target, callee=callee, problem=problem)


def _local_target(statement: cst.CSTNode | None, value: cst.CSTNode) -> str | None:
    """`name` for `name = value` / `name: T = value`."""
    if isinstance(statement, cst.Assign) and statement.value is value:
        targets = [t.target for t in statement.targets]
        if len(targets) == 1 and isinstance(targets[0], cst.Name):
            return targets[0].value
    if isinstance(statement, cst.AnnAssign) and statement.value is value:
        return statement.target.value if isinstance(statement.target, cst.Name) else None
    return None
