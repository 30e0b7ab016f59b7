"""Which code of a module runs only while the app starts: its lifespans (up to their `yield`)
and startup hooks, and the functions nothing but them calls.

A client built, a task started or a query run once at startup costs nothing per request. The
hooks are known from the file (`FastAPIModel`'s roles); what they call is often elsewhere
(`await init_services()`, `await Scheduler.start()`). So each module tells what its startup
code calls, and which of its names it only ever calls from there; the project pass
(`asynclint.semantic.reach`) follows those calls to the functions no other code names.

Startup code is a hook's own body, and the body of a module-level function of the same module
that only such code calls. Not what it starts to run later: a nested `def` or a `lambda`, a
coroutine handed to `create_task` (a worker the app runs for its whole life), nor a lifespan's
code after its `yield` (that runs at shutdown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.helpers import callee_key
from asynclint.semantic.walker import before_yield, body_nodes

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

#: The calls made by a module's startup code: "" -> those of its hooks, "f" -> those of its
#: function `f`, which only its hooks (or other such functions) call.
StartupCalls = dict[str, frozenset[str]]
#: A name used only in startup code, and only as a callee (`f`, or `C.` for `C.start()`) ->
#: the module's functions whose startup it takes for granted ("" for none: only hooks use it).
StartupOnly = dict[str, frozenset[str]]

_CALLED, _RECEIVER, _OTHER = "call", "receiver", "other"
#: The names a module must read to have a startup hook: `@app.on_event(...)`,
#: `app.add_event_handler(...)`, `FastAPI(lifespan=...)`, `@asynccontextmanager`.
_HOOK_NAMES = frozenset({"on_event", "add_event_handler", "lifespan", "asynccontextmanager"})
#: What runs a coroutine in the background: its calls are not made at startup.
_SPAWNERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe"})


def startup_facts(model: SemanticModel, names: frozenset[str]) -> tuple[StartupCalls, StartupOnly]:
    """What the module's startup code calls, and the names it uses only as callees there.
    `names`: every identifier the module reads (a module that reads none of the hooks' names
    has none, and is not looked at further)."""
    if not names & _HOOK_NAMES and not _imports_context_manager(model):
        return {}, {}
    hooks = [f for f in model.nodes(cst.FunctionDef) if model.fastapi.starts(f)]  # type: ignore[attr-defined]
    if not hooks:
        return {}, {}
    #: id of a startup function -> the ids of its nodes that run at startup.
    startup = {id(hook): before_yield(hook) for hook in hooks}
    owner_of: dict[int, str] = {id(hook): "" for hook in hooks}
    uses: dict[str, list[tuple[str, cst.FunctionDef | None, cst.CSTNode]]] = {}
    for name in model.nodes(cst.Name):
        found = (_position(model, name), _owner(model, name), name)  # type: ignore[arg-type]
        uses.setdefault(name.value, []).append(found)  # type: ignore[arg-type]
    helpers = {
        statement.name.value: statement
        for statement in model.module.body
        if isinstance(statement, cst.FunctionDef) and not statement.decorators
    }

    def at_startup(owner: cst.FunctionDef | None, node: cst.CSTNode) -> bool:
        return owner is not None and id(node) in startup.get(id(owner), ())

    grown = True
    while grown:  # a helper called only from startup code is startup code
        grown = False
        for name, helper in helpers.items():
            found = uses.get(name)
            if (
                id(helper) not in startup
                and found
                and all(
                    position == _CALLED and at_startup(owner, node)
                    for position, owner, node in found
                )
            ):
                startup[id(helper)] = {id(node) for node in body_nodes(helper.body)}
                owner_of[id(helper)] = name
                grown = True
    only: StartupOnly = {}
    for name, found in uses.items():
        positions = {position for position, _, _ in found}
        if len(positions) != 1 or _OTHER in positions:
            continue
        if all(at_startup(owner, node) for _, owner, node in found):
            token = name if positions == {_CALLED} else f"{name}."
            only[token] = frozenset(owner_of[id(o)] for _, o, _ in found if o is not None) - {""}
    calls: dict[str, set[str]] = {}
    for call in model.nodes(cst.Call):
        owner = _owner(model, call)  # type: ignore[arg-type]
        if not at_startup(owner, call) or _spawned(model, call):  # type: ignore[arg-type]
            continue
        key = callee_key(model, call)  # type: ignore[arg-type]
        if key is not None:
            calls.setdefault(owner_of[id(owner)], set()).add(key)
    return {caller: frozenset(keys) for caller, keys in calls.items()}, only


def _imports_context_manager(model: SemanticModel) -> bool:
    """`from contextlib import asynccontextmanager as acm`: a lifespan may be decorated
    with a name none of `_HOOK_NAMES` spells."""
    return any(
        binding.qname == "contextlib.asynccontextmanager"
        for bindings in model.module_scope.bindings.values()
        for binding in bindings
    )


def _position(model: SemanticModel, name: cst.Name) -> str:
    """How `name` is used: called (`f(...)`, `mod.f(...)`), as the receiver of a method call
    (`C.start()`), or otherwise (read, passed, built: `C(...)` is a call too, so a class is
    told apart by how the project pass asks about it)."""
    parent = model.parent_of(name)
    if isinstance(parent, cst.Attribute):
        grand = model.parent_of(parent)
        if not isinstance(grand, cst.Call) or grand.func is not parent:
            return _OTHER
        return _CALLED if parent.attr is name else _RECEIVER
    return _CALLED if isinstance(parent, cst.Call) and parent.func is name else _OTHER


def _owner(model: SemanticModel, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The function whose own body `node` is in (None inside a lambda or at module level)."""
    current = model.parent_of(node)
    while current is not None:
        if isinstance(current, cst.FunctionDef):
            return current
        if isinstance(current, cst.Lambda):
            return None
        current = model.parent_of(current)
    return None


def _spawned(model: SemanticModel, call: cst.Call) -> bool:
    """`create_task(consume(q))`: the coroutine runs in the background for as long as it
    likes, not while the app starts."""
    current: cst.CSTNode | None = call
    while current is not None and not isinstance(current, cst.FunctionDef):
        parent = model.parent_of(current)
        if isinstance(parent, cst.Arg):
            outer = model.parent_of(parent)
            func = outer.func if isinstance(outer, cst.Call) else None
            name = func.attr.value if isinstance(func, cst.Attribute) else None
            name = func.value if isinstance(func, cst.Name) else name
            if name in _SPAWNERS:
                return True
        current = parent
    return False
