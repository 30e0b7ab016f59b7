"""What the resource rules (ASL201-203) share: constructor tables, and where an object goes.

Names are canonical qualified names (see `asynclint.semantic.tables.CANONICAL`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.fastapi import Role
from asynclint.semantic.tables import REQUEST_TYPES
from asynclint.semantic.walker import body_nodes, code_children

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel
    from asynclint.semantic.scopes import Scope

#: HTTP clients: each instance owns a connection pool.
CLIENTS = frozenset(
    {
        "httpx.AsyncClient",
        "httpx.Client",
        "aiohttp.ClientSession",
        "requests.Session",
        "requests.session",
    }
)

#: Database and cache pools, engines and clients (each opens connections of its own).
POOLS = frozenset(
    {
        "asyncpg.create_pool",
        "asyncpg.connect",
        "aiomysql.create_pool",
        "aiopg.create_pool",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "redis.Redis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "pymongo.MongoClient",
        "databases.Database",
    }
)

#: Calls whose result must be closed or released by whoever keeps it (ASL203).
ACQUIRES = CLIENTS | {"asyncpg.connect", "asyncpg.Pool.acquire"}

RELEASE_METHODS = frozenset({"close", "aclose", "release", "terminate"})

#: Calls known to only look at their argument: passing a resource to them is not an escape.
BORROWING_CALLS = frozenset(
    f"builtins.{name}" for name in ("isinstance", "print", "repr", "str", "id", "type", "hasattr")
)

#: Decorators that turn a function into a cached singleton factory.
CACHING_DECORATORS = frozenset(
    {"functools.lru_cache", "functools.cache", "async_lru.alru_cache", "cachetools.cached"}
)

_LOCAL_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def constructor(semantic: SemanticModel, call: cst.Call, table: frozenset[str]) -> str | None:
    """The qualified name `call` makes an object of, when it is in `table`."""
    found = sorted(semantic.qualified_names(call.func) & table)
    return found[0] if found else None


def request_handler(semantic: SemanticModel, node: cst.CSTNode) -> tuple[Scope, Role] | None:
    """The handler (route, dependency, middleware...) whose own body runs `node` per request."""
    scope = semantic.scope_of(node)
    func = scope.function.node if scope is not None else None
    if not isinstance(func, cst.FunctionDef):
        return None
    role = semantic.fastapi.role(func)
    if role is None or not role.per_request:
        return None
    if any(
        semantic.qualified_names(_callee(d.decorator)) & CACHING_DECORATORS for d in func.decorators
    ):
        return None  # `@lru_cache def get_client()`: one client for the process
    return scope.function, role  # type: ignore[return-value]


def _callee(decorator: cst.BaseExpression) -> cst.BaseExpression:
    return decorator.func if isinstance(decorator, cst.Call) else decorator


def outlives_request(semantic: SemanticModel, call: cst.Call) -> bool:
    """The object `call` makes is kept for later: stored on an attribute (`app.state.x = ...`,
    `self.x = ...`), in a global, or in a container that is not a local of the function; also
    through one local name (`client = Client(); app.state.client = client`)."""
    node: cst.CSTNode = call
    parent = semantic.parent_of(node)
    # The object may be wrapped first: `await`, `Service(Client())`, `x or Client()`.
    while isinstance(parent, (cst.Await, cst.Arg, cst.Call, cst.BooleanOperation, cst.IfExp)):
        if isinstance(parent, cst.Call) and parent.func is node:
            break
        node, parent = parent, semantic.parent_of(parent)
    targets = _assigned_to(parent, node)
    scope = semantic.scope_of(call)
    if scope is None or not targets:
        return False
    function = scope.function
    for target in targets:
        if _is_stored(semantic, target, function):
            return True
        if isinstance(target, cst.Name) and any(
            _is_stored_use(semantic, use, function)
            for use in uses(semantic, function, target.value)
        ):
            return True
    return False


def _assigned_to(parent: cst.CSTNode | None, value: cst.CSTNode) -> list[cst.BaseExpression]:
    if isinstance(parent, cst.Assign) and parent.value is value:
        return [t.target for t in parent.targets]
    if isinstance(parent, cst.AnnAssign) and parent.value is value:
        return [parent.target]
    return []


def _is_stored(semantic: SemanticModel, target: cst.CSTNode, function: Scope) -> bool:
    if isinstance(target, cst.Attribute):
        holder = target.value
        return not (
            isinstance(holder, cst.Attribute)
            and holder.attr.value == "state"
            and semantic.types_of(holder.value) & REQUEST_TYPES
        )
    if isinstance(target, cst.Name):
        return target.value in function.declared_outer
    if isinstance(target, cst.Subscript):
        root = target.value
        while isinstance(root, (cst.Attribute, cst.Subscript)):
            root = root.value
        return not (isinstance(root, cst.Name) and root.value in function.bindings)
    return False


def _is_stored_use(semantic: SemanticModel, use: cst.Name, function: Scope) -> bool:
    parent = semantic.parent_of(use)
    targets = _assigned_to(parent, use)
    if any(_is_stored(semantic, t, function) for t in targets):
        return True
    # setattr(app.state, "client", client)
    call = semantic.parent_of(parent) if isinstance(parent, cst.Arg) else None
    return isinstance(call, cst.Call) and semantic.resolves_to(call.func, "builtins.setattr")


def uses(semantic: SemanticModel, function: Scope, name: str) -> Iterator[cst.Name]:
    """Reads of the local `name` of `function`, nested functions included (a closure)."""
    bindings = function.bindings.get(name)
    if bindings is None or name in function.declared_outer:
        return
    stack: list[cst.CSTNode] = [function.node]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            if node.value == name and _is_read(semantic, node):
                scope = semantic.scope_of(node)
                if scope is not None and scope.lookup(name) is bindings:
                    yield node
            continue
        stack.extend(code_children(node))


def _is_read(semantic: SemanticModel, name: cst.Name) -> bool:
    parent = semantic.parent_of(name)
    if isinstance(parent, cst.Attribute):
        return parent.value is name
    if isinstance(parent, cst.Arg):
        return parent.value is name  # not the keyword of `f(conn=...)`
    if isinstance(parent, cst.Param):
        return parent.default is name
    if isinstance(parent, (cst.For, cst.AnnAssign)):
        return parent.target is not name
    return not isinstance(parent, (cst.AssignTarget, cst.AsName, *_LOCAL_SCOPES))


def kind_of(semantic: SemanticModel, use: cst.Name, function: Scope) -> str:
    """How one read of a resource in `function` treats it: "with", "release", "escape", "use"."""
    scope = semantic.scope_of(use)
    parent = semantic.parent_of(use)
    if scope is None or scope.function is not function:
        return "escape"  # captured by a nested def or lambda
    if isinstance(parent, cst.WithItem):
        return "with"
    if isinstance(parent, cst.Attribute):
        call = semantic.parent_of(parent)
        called = isinstance(call, cst.Call) and call.func is parent
        if parent.attr.value in RELEASE_METHODS:
            return "release" if called else "escape"  # `stack.push_async_callback(conn.close)`
        return "use"
    if isinstance(parent, cst.Arg):
        call = semantic.parent_of(parent)
        func = call.func if isinstance(call, cst.Call) else None
        if isinstance(func, cst.Attribute) and func.attr.value == "release":
            return "release"  # `pool.release(conn)`
        if func is not None and semantic.qualified_names(func) & BORROWING_CALLS:
            return "use"
        return "escape"  # any other call may keep it: be conservative
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.UnaryOperation, cst.Del)):
        return "use"
    if isinstance(parent, (cst.If, cst.While, cst.Assert, cst.For, cst.FormattedStringExpression)):
        return "use"
    return "escape"  # returned, yielded, aliased, stored, put in a container...


def fills_once(semantic: SemanticModel, node: cst.CSTNode, function: Scope) -> bool:
    """`node` runs only while a module-level name that `function` fills is still unset: under
    `if not key:` / `if key is None:`, or after `if key:` / `if key is not None:` whose body
    ends in a `return` (`global key; if key: return key; ...; key = fetched`). Once filled,
    the function never gets there again: the work runs once per process, not per request."""
    filled = {
        name
        for name in function.declared_outer
        if any(_fills(semantic, use) for use in _names(function.node.body, name))
    }
    if not filled:
        return False
    child, parent = node, semantic.parent_of(node)
    while parent is not None and parent is not function.node:
        if isinstance(parent, cst.If) and parent.body is child and _unset(parent.test, filled):
            return True
        if isinstance(parent, cst.IndentedBlock):
            at = next(i for i, statement in enumerate(parent.body) if statement is child)
            if any(_returns_when_set(s, filled) for s in parent.body[:at]):
                return True
        child, parent = parent, semantic.parent_of(parent)
    return False


def _returns_when_set(statement: cst.CSTNode, names: set[str]) -> bool:
    """`if key: ... return ...` (or `if key is not None:`), its body ending in the return."""
    if not isinstance(statement, cst.If) or statement.orelse is not None:
        return False
    body = statement.body.body
    last = body[-1] if body else None
    returns = isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)
    return returns and _set(statement.test, names)


def _set(test: cst.BaseExpression, names: set[str]) -> bool:
    """`key` or `key is not None`."""
    if isinstance(test, cst.Name):
        return test.value in names
    return _compares_none(test, names, cst.IsNot)


def _unset(test: cst.BaseExpression, names: set[str]) -> bool:
    """`not key` or `key is None`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name) and test.expression.value in names
    return _compares_none(test, names, cst.Is)


def _compares_none(test: cst.BaseExpression, names: set[str], operator: type) -> bool:
    return (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value in names
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, operator)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    )


def _names(root: cst.CSTNode, name: str) -> Iterator[cst.Name]:
    for node in body_nodes(root):
        if isinstance(node, cst.Name) and node.value == name:
            yield node


def _fills(semantic: SemanticModel, name: cst.Name) -> bool:
    parent = semantic.parent_of(name)
    return isinstance(parent, cst.AssignTarget) or (
        isinstance(parent, cst.AnnAssign) and parent.target is name
    )


def in_finally(semantic: SemanticModel, node: cst.CSTNode, function: cst.CSTNode) -> bool:
    """`node` is in the `finally:` block of a `try` of `function`."""
    child, parent = node, semantic.parent_of(node)
    while parent is not None and parent is not function:
        if isinstance(parent, (cst.Try, cst.TryStar)) and parent.finalbody is child:
            return True
        child, parent = parent, semantic.parent_of(parent)
    return False


def built_per_request(
    semantic: SemanticModel, call: cst.Call, table: frozenset[str]
) -> tuple[str, str] | None:
    """(what `call` constructs, the handler it runs in) when it is built anew for each request."""
    callee = constructor(semantic, call, table)
    if callee is None:
        return None
    handler = request_handler(semantic, call)
    if handler is None or outlives_request(semantic, call):
        return None
    scope, role = handler
    if fills_once(semantic, call, scope):
        return None
    return callee, f"{role.value} `{scope.name}`"
