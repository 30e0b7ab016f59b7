"""Which code of a module runs only while the app starts: its lifespan and startup hooks, and
the functions nothing but them calls.

A client built, a task started or a query run once at startup costs nothing per request. The
hooks are known from the file (`FastAPIModel`'s roles); what they call is often elsewhere
(`await init_services()`, `await Scheduler.start()`). So each module tells what its startup
code calls, and which of its names it only ever calls from there; the project pass
(`asynclint.semantic.reach`) follows those calls to the functions no other code names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.helpers import callee_key

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

#: The calls made by a module's startup code: "" -> those of its hooks, "f" -> those of its
#: function `f`, which only its hooks (or other such functions) call.
StartupCalls = dict[str, frozenset[str]]

_CALLED, _RECEIVER, _OTHER = "call", "receiver", "other"


def startup_facts(model: SemanticModel) -> tuple[StartupCalls, frozenset[str]]:
    """What the module's startup code calls, and the names it uses only as callees there:
    `f` for `f(...)` (or `m.f(...)`), `C.` for `C.method(...)` (a class used only so, never
    built, has no instance elsewhere)."""
    hooks = {id(f) for f in model.nodes(cst.FunctionDef) if model.fastapi.runs_once(f)}
    if not hooks:
        return {}, frozenset()
    uses: dict[str, list[tuple[str, list[cst.FunctionDef]]]] = {}
    for name in model.nodes(cst.Name):
        uses.setdefault(name.value, []).append((_position(model, name), _owners(model, name)))  # type: ignore[arg-type]
    helpers = {
        statement.name.value: statement
        for statement in model.module.body
        if isinstance(statement, cst.FunctionDef) and not statement.decorators
    }
    startup = set(hooks)

    def at_startup(owners: list[cst.FunctionDef]) -> bool:
        return any(id(owner) in startup for owner in owners)

    grown = True
    while grown:  # a helper called only from startup code is startup code
        grown = False
        for name, helper in helpers.items():
            found = uses.get(name)
            if (
                id(helper) not in startup
                and found
                and all(position == _CALLED and at_startup(owners) for position, owners in found)
            ):
                startup.add(id(helper))
                grown = True
    only = set()
    for name, found in uses.items():
        positions = {position for position, _ in found}
        if len(positions) == 1 and _OTHER not in positions and all(at_startup(o) for _, o in found):
            only.add(name if positions == {_CALLED} else f"{name}.")
    calls: dict[str, set[str]] = {}
    for call in model.nodes(cst.Call):
        owner = next((o for o in _owners(model, call) if id(o) in startup), None)
        key = callee_key(model, call) if owner is not None else None  # type: ignore[arg-type]
        if owner is not None and key is not None:
            calls.setdefault("" if id(owner) in hooks else owner.name.value, set()).add(key)
    return {caller: frozenset(keys) for caller, keys in calls.items()}, frozenset(only)


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


def _owners(model: SemanticModel, node: cst.CSTNode) -> list[cst.FunctionDef]:
    """The functions around `node`, innermost first."""
    found = []
    current = model.parent_of(node)
    while current is not None:
        if isinstance(current, cst.FunctionDef):
            found.append(current)
        current = model.parent_of(current)
    return found
