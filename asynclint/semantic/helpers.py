"""Sync helpers that block: the facts each function gives, and the chains they form (ASL106).

Each module-level function and method of a module-level class is summarised: is it async, the
first blocking call it makes itself (anything ASL101-105/ASL107 would flag on the loop), and the
project functions it calls. A chain starts at a call on the event loop and follows sync
project functions, in this file or (through the project index) in others, down to a blocking
call; an async function ends it (it is checked on its own), and so do cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.scopes import BindingKind, ScopeKind
from asynclint.semantic.summary import FunctionFacts
from asynclint.semantic.walker import dotted_name, named_parameters

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel
    from asynclint.semantic.scopes import Scope

MAX_DEPTH = 8
#: Sync classes and their async twins: a helper annotated with one may be handed the other.
ASYNC_TWINS = {
    "sqlalchemy.orm.Session": "sqlalchemy.ext.asyncio.AsyncSession",
    "redis.Redis": "redis.asyncio.Redis",
}


@dataclass(frozen=True)
class Chain:
    """`convert` -> `fetch_rates` -> `requests.get` at app/rates.py:8."""

    steps: tuple[str, ...]  # the helpers called, first the one called on the loop
    blocking: str  # the blocking callee at the end
    filename: str  # where it is ("" for this file)
    line: int | cst.CSTNode  # its line, or (in this file) its node, for `LineOf`
    on_param: bool = False  # the blocking receiver is a parameter of the last helper


class LocalFacts:
    """The facts of this file's functions, with the blocking calls' nodes (lines come later)."""

    def __init__(self, model: SemanticModel) -> None:
        from asynclint.rules._calls import BLOCKING_TABLES

        self.model = model
        self.keys: dict[int, str] = {}  # id(function scope) -> "f" / "C.m"
        self.is_async: dict[str, bool] = {}
        self.nodes: dict[str, cst.CSTNode] = {}
        for scope in model.function_scopes():
            key = _local_key(scope)
            if key is not None and not _runs_once(model, scope.node):
                self.keys[id(scope)] = key
                self.is_async[key] = scope.is_async
                self.nodes[key] = scope.node
        #: Per function, in the order they run (the walk meets siblings last first).
        self.blocking: dict[str, list[tuple[str, cst.Call]]] = {}
        self.calls: dict[str, list[tuple[str, str]]] = {}
        for call in reversed(model.nodes(cst.Call)):
            scope = model.scope_of(call)
            key = self.keys.get(id(scope.function)) if scope is not None else None
            if key is None or self.is_async[key] or isinstance(model.parent_of(call), cst.Await):
                continue  # an async function ends every chain: what it calls does not matter
            qnames = model.qualified_names(call.func)
            for table in BLOCKING_TABLES:
                callee = table.match(qnames)
                if callee is not None:
                    self.blocking.setdefault(key, []).append(
                        (callee.removeprefix("builtins."), call)
                    )
                    break
            target = callee_key(model, call)
            if target is not None:
                self.calls.setdefault(key, []).append((_written(call.func), target))

    def first_blocking(self, key: str) -> tuple[str, cst.Call] | None:
        found = self.blocking.get(key)
        return found[0] if found else None

    def facts(self, lines: dict[int, int]) -> dict[str, FunctionFacts]:
        """Facts worth telling other modules: sync functions that block or call helpers, and
        async functions that never suspend (ASL503)."""
        found = {}
        for key, is_async in self.is_async.items():
            if is_async:
                node = self.nodes[key]
                if isinstance(node, cst.FunctionDef) and self.model.never_suspends(node):
                    found[key] = FunctionFacts(True, suspends=False)
                continue
            if key not in self.blocking and key not in self.calls:
                continue
            blocking, on_param = None, False
            if key in self.blocking:  # the first in the source
                callee, call = min(self.blocking[key], key=lambda b: lines.get(id(b[1]), 0))
                blocking, on_param = (callee, lines.get(id(call), 0)), self.on_param(call)
            calls = tuple(dict.fromkeys(self.calls.get(key, ())))
            found[key] = FunctionFacts(False, blocking, on_param=on_param, calls=calls)
        return found

    def on_param(self, call: cst.Call) -> bool:
        """The receiver of `call` (`db` in `db.query(...)`) is a parameter of its function."""
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        while isinstance(receiver, (cst.Attribute, cst.Call)):
            receiver = receiver.value if isinstance(receiver, cst.Attribute) else receiver.func
        if not isinstance(receiver, cst.Name):
            return False
        bindings = self.model.bindings_of(receiver)
        return bool(bindings) and bindings[0].kind is BindingKind.PARAM

    def blocking_nodes(self) -> list[cst.Call]:
        return [call for calls in self.blocking.values() for _, call in calls]


#: Decorators that keep a function's result: its body runs once per distinct arguments.
_CACHES = frozenset({"functools.lru_cache", "functools.cache"})


def _runs_once(model: SemanticModel, node: cst.CSTNode) -> bool:
    """A function without parameters whose result is cached (`@lru_cache def
    get_settings()`): its body runs once per process, so what it blocks on is no helper's
    cost per request."""
    if not isinstance(node, cst.FunctionDef) or named_parameters(node):
        return False
    if isinstance(node.params.star_arg, cst.Param) or node.params.star_kwarg is not None:
        return False
    return any(
        model.qualified_names(
            d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        )
        & _CACHES
        for d in node.decorators
    )


def callee_key(model: SemanticModel, call: cst.Call) -> str | None:
    """The project function `call` calls: `app.rates.fetch_rates`, `app.svc.UserService.get`."""
    func = call.func
    local = model.local_function(func)
    if local is not None:
        scope = model.function_scope(local)
        key = _local_key(scope) if scope is not None else None
        return f"{model.module_name}.{key}" if key else None
    if isinstance(func, cst.Attribute):
        own = _own_class(model, func.value)
        if own is not None:
            return f"{model.module_name}.{own}.{func.attr.value}"
        for owner in sorted(model.types_of(func.value)):
            if _in_project(model, owner):
                return f"{owner}.{func.attr.value}"
    for qname in sorted(model.qualified_names(func)):
        if _in_project(model, qname):
            return qname
    return None


def _in_project(model: SemanticModel, qname: str) -> bool:
    if qname.startswith(model.module_name + "."):
        return True
    project = model.project
    return project is not None and project.holds(qname)


def _own_class(model: SemanticModel, receiver: cst.CSTNode) -> str | None:
    """`self`/`cls` in a method of a module-level class: that class's name."""
    owner = model.self_class(receiver) if isinstance(receiver, cst.Name) else None
    return owner.name if owner is not None and owner.parent is model.module_scope else None


def _local_key(scope: Scope) -> str | None:
    """ "f" for a module-level function, "C.m" for a method of a module-level class."""
    parent = scope.parent
    if parent is None:
        return None
    if parent.kind is ScopeKind.MODULE:
        return scope.name
    grandparent = parent.parent
    if parent.kind is ScopeKind.CLASS and grandparent and grandparent.kind is ScopeKind.MODULE:
        return f"{parent.name}.{scope.name}"
    return None


def _written(func: cst.BaseExpression) -> str:
    """The callee as written: `crud.get_user`, `Repo(...).get`."""
    dotted = dotted_name(func)
    if dotted is not None:
        return dotted
    if isinstance(func, cst.Attribute):
        return f"{_written(func.value)}.{func.attr.value}"
    return f"{_written(func.func)}(...)" if isinstance(func, cst.Call) else "(...)"


class ChainFinder:
    """Chains from calls in one file, through its own functions and the project index."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.local = model.local_facts
        self._memo: dict[tuple[str, str], Chain | None] = {}
        self._cut = False  # a cycle or the depth limit ended a search: do not remember "none"

    def chain(self, call: cst.Call) -> Chain | None:
        key = callee_key(self.model, call)
        if key is None:
            return None
        found = self._follow(key, self.model.module_name, frozenset())
        if found is None or (found.on_param and self._async_argument(call, found.blocking)):
            return None
        steps = (_written(call.func), *found.steps)
        return Chain(steps, found.blocking, found.filename, found.line, found.on_param)

    def _async_argument(self, call: cst.Call, blocking: str) -> bool:
        """The caller passes the async twin of the blocking receiver's class (an AsyncSession
        where the helper's annotation says Session): what FastAPI or the caller hands over
        wins over the annotation, and the async object's methods do not block."""
        twin = ASYNC_TWINS.get(blocking.rpartition(".")[0])
        if twin is None:
            return False
        handed = list(call.args)
        # ... or hands it to the object whose method this is: `Service(db).get()`, or
        # `service = Service(db)` then `service.get()`.
        receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
        if isinstance(receiver, cst.Name):
            assigned = self.model.binding_of(receiver, BindingKind.ASSIGN)
            receiver = assigned.value if assigned is not None else receiver
        if isinstance(receiver, cst.Call):
            handed.extend(receiver.args)
        return any(twin in self.model.types_of(arg.value) for arg in handed)

    def _follow(self, key: str, near: str, seen: frozenset[str]) -> Chain | None:
        """The chain below the function `key` calls, as module `near` names it."""
        if (key, near) in self._memo:
            return self._memo[key, near]
        if key in seen or len(seen) >= MAX_DEPTH:
            self._cut = True  # what is found above depends on the path taken
            return None
        outer, self._cut = self._cut, False
        found = self._compute(key, near, seen | {key})
        if found is not None or not self._cut:
            self._memo[key, near] = found
        self._cut = outer or self._cut
        return found

    def _compute(self, key: str, near: str, seen: frozenset[str]) -> Chain | None:
        prefix = self.model.module_name + "."
        if key.startswith(prefix):
            local = key[len(prefix) :]
            if local not in self.local.is_async or self.local.is_async[local]:
                return None
            first = self.local.first_blocking(local)
            if first is not None:
                return Chain((), first[0], "", first[1], self.local.on_param(first[1]))
            calls, near = self.local.calls.get(local, []), self.model.module_name
        else:
            project = self.model.project
            if project is None:
                return None
            self.model.asked.add((key, near))
            found = project.function(key, near)
            if found is None:
                return None
            facts, filename, near = found
            if facts.is_async:
                return None
            if facts.blocking is not None:
                return Chain((), facts.blocking[0], filename, facts.blocking[1], facts.on_param)
            calls = list(facts.calls)
        for written, callee in calls:
            below = self._follow(callee, near, seen)
            if below is not None:
                steps = (written, *below.steps)
                return Chain(steps, below.blocking, below.filename, below.line, below.on_param)
        return None
