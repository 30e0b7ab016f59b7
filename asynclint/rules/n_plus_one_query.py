from __future__ import annotations

from functools import cached_property

import libcst as cst

from asynclint.rule import LineOf, Rule
from asynclint.rules._loops import LoopAnalysis
from asynclint.rules._request_data import Origin, RequestData

_ASYNCPG = ("asyncpg.Connection", "asyncpg.Pool", "asyncpg.pool.PoolConnectionProxy")
_ASYNC_SESSIONS = (
    "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.async_scoped_session",
)
_SYNC_SESSIONS = ("sqlalchemy.orm.Session", "sqlalchemy.orm.scoped_session")
#: Not `refresh`: reloading the objects a request just wrote is the usual idiom after a commit,
#: and no `IN (...)` batches it.
_SESSION_QUERIES = ("execute", "scalars", "scalar", "get", "exec")

_ANY = "`WHERE id = ANY($1)` with the list of ids (`executemany` for writes)"
_IN = "`.where(Model.id.in_(ids))`, or `selectinload` for relationships"
_DATABASES = "`WHERE id IN (...)` (`execute_many` for writes)"

#: Qualified method name -> how to batch it.
DB_QUERIES: dict[str, str] = {
    **{f"{c}.{m}": _ANY for c in _ASYNCPG for m in ("fetch", "fetchrow", "fetchval", "execute")},
    **{f"{c}.{m}": _IN for c in _ASYNC_SESSIONS for m in _SESSION_QUERIES},
    **{f"{c}.{m}": _IN for c in _SYNC_SESSIONS for m in (*_SESSION_QUERIES, "query")},
    **{
        f"{c}.{m}": _DATABASES
        for c in ("databases.Database",)
        for m in ("fetch_one", "fetch_all", "fetch_val", "execute")
    },
}


class NPlusOneQuery(Rule):
    """## What it does
    Checks for a database query inside a `for`, `async for` or `while` loop, or a comprehension,
    whose arguments change with each iteration: asyncpg `fetch/fetchrow/fetchval/execute`,
    SQLAlchemy session `execute/scalars/scalar/get` (and sync `query`), `databases`
    `fetch_one/fetch_all/execute`, plus the methods listed in the `extra-db-methods` setting.
    The receiver is recognised by its origin, never by its name.

    By default it reports the loops whose length the data decides on the paths a service
    runs most: in a route that only reads (GET, HEAD, a websocket), a dependency, a
    middleware or an exception handler, over anything but what the client sent (the rows a
    query returned, also one keyed by a client's id; the relations of an injected user);
    and in any route, over the rows of an uploaded file (an import). With `preview = true`
    (or `--preview`) it also reports loops in a route that writes (mostly over the few lines
    of one document), in the helpers routes call, over what the client sent (`for uid in
    body.user_ids`, `await request.json()`) and over a list kept in one stored document (a
    JSON column: `job.meta_data["crew"]`, which one such request wrote): readers of real
    services judged about half of those worth a change.

    A loop over a few fixed steps (`range(7)`, `rows[:10]`: at most 12) or over values the code
    was written with (a literal, a constant table's entry) is not reported, nor are queries no
    `IN (...)` batches: a walk over a graph (each next id comes from the previous answer,
    through a work list or recursion), a chain (each query's arguments use what the one
    before returned: `after = row["last"]`) and one query per range (`Log.at >= goal.start`). Nor
    is code off every request path: a lifespan or startup hook (it runs once), or a function
    the project schedules on a timer (APScheduler's `add_job` or `scheduled_job`, `repeat_every`).

    As for every ASL2xx-ASL5xx rule, code that serves no request is left alone (a router
    nobody mounts and the services only it uses, what only a script, a CLI or a worker
    imports, a route an earlier one always answers first: the README says how it is judged).

    ## Why is this bad?
    One query per item costs one network round trip per item: a page of 100 orders that loads
    each customer separately makes 101 queries, and its latency grows with the data. One query
    that fetches every row at once costs about the same as a single lookup.

    ## Example
    ```python
    import asyncpg
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/teams/{team_id}/members")
    async def members(team_id: int, conn: asyncpg.Connection):
        ids = await conn.fetchval("SELECT member_ids FROM teams WHERE id = $1", team_id)
        return [await conn.fetchrow("SELECT * FROM users WHERE id = $1", i) for i in ids]
    ```

    Use instead:
    ```python
    import asyncpg
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/teams/{team_id}/members")
    async def members(team_id: int, conn: asyncpg.Connection):
        ids = await conn.fetchval("SELECT member_ids FROM teams WHERE id = $1", team_id)
        return await conn.fetch("SELECT * FROM users WHERE id = ANY($1)", ids)
    ```
    A loop that must query one item at a time (one session cannot run queries concurrently,
    and some writes must be ordered) can say so with `# noqa: ASL301` and a reason.

    ## References
    - [SQLAlchemy: relationship loading techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    - [PostgreSQL: ANY with an array](https://www.postgresql.org/docs/current/functions-comparisons.html)
    - [Configuration: extra-db-methods](../../README.md#configuration)
    """

    code = "ASL301"
    name = "n-plus-one-query"
    serves_requests = True
    message = (
        "`{callee}` runs one query per iteration of {loop} (line {loop_line}); "
        "batch them into one: {batch}"
    )
    fix_title = "Batch the lookups into one query"
    settings = ("extra-db-methods", "preview")

    @cached_property
    def loops(self) -> LoopAnalysis:
        return LoopAnalysis(self.semantic)

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        matched = sorted(self.semantic.qualified_names(node.func) & self.queries)
        if not matched:
            return
        scope = self.semantic.scope_of(node)
        if scope is None or scope.function.node is self.semantic.module:
            return  # module-level loops run once, at import
        loop = self.loops.depends_on(node)
        if loop is None or self.loops.runs_once(node):
            return
        if self.config.preview or self._stable(scope.function.node, loop):
            batch = DB_QUERIES.get(matched[0], "`IN (...)` or `= ANY($1)`")
            self.report(
                node,
                callee=matched[0],
                loop=self.loops.describe(loop),
                loop_line=LineOf(loop),
                batch=batch,
            )

    def _stable(self, function: cst.CSTNode, loop: cst.CSTNode) -> bool:
        """Reported without preview: a loop in a route, dependency or middleware itself,
        over the rows of an uploaded file, or, on a path that only reads, over anything but
        what the client sent."""
        fastapi = self.semantic.fastapi
        if not isinstance(function, cst.FunctionDef) or fastapi.role(function) is None:
            return False  # a helper: its loops are as long as its callers make them
        origin = self.request_data.of_loop(loop)
        if origin is Origin.UPLOAD:
            return True
        return origin is Origin.SERVER and fastapi.reads_only(function)

    @cached_property
    def request_data(self) -> RequestData:
        return RequestData(self.semantic)

    @cached_property
    def queries(self) -> frozenset[str]:
        return frozenset(DB_QUERIES) | frozenset(self.config.extra_db_methods)
