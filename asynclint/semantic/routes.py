"""The routes a module registers, in the order it registers them.

Starlette answers a request with the first route that matches it. When two routes of one app
have the same path and methods, the later one never runs (a router mounted twice, a copy of an
endpoint left in an older module). The project pass (`asynclint.semantic.reach`) lines up each
app's routes, following `include_router` across modules, and leaves such routes alone.

Only what the module's top level does is read: routers and apps assigned there, routes
decorated on its functions, `include_router` calls (those in an `if` or a `try` may answer
first but are not taken to; those in a factory function are not read). Paths and prefixes
are literal strings, or the same name (a setting) standing for the same text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.fastapi import ROUTE_METHODS, call_argument, route_methods
from asynclint.semantic.tables import APP_TYPES, APPLICATIONS
from asynclint.semantic.walker import dotted_name

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

#: A router or app by its module-level name -> (its own prefix, it is an app).
Routers = dict[str, tuple[str, bool]]
#: ("route", router, methods, path, function) or ("include", router, included, prefix, ""),
#: where `included` is the qualified name of the router included (`app.api.users.router`);
#: "include?" for one in an `if`, a `try` or a function (a factory's app).
Registration = tuple[str, str, tuple[str, ...] | str, str, str]


def route_facts(model: SemanticModel) -> tuple[Routers, tuple[Registration, ...]]:
    routers: Routers = {}
    registered: list[Registration] = []
    nested = _nested_includes(model)
    for statement in model.module.body:
        if isinstance(statement, cst.FunctionDef):
            for decorator in statement.decorators:
                found = _route(model, decorator.decorator, statement.name.value)
                if found is not None:
                    registered.append(found)
        elif isinstance(statement, cst.SimpleStatementLine):
            for line in statement.body:
                if isinstance(line, (cst.Assign, cst.AnnAssign)):
                    _router(model, line, routers)
                elif isinstance(line, cst.Expr) and isinstance(line.value, cst.Call):
                    found = _include(model, line.value)
                    if found is not None:
                        registered.append(found)
        # Mounted or not depending on the run (or into an app a factory builds): its routes
        # may answer, they hide nothing.
        for call in nested.get(id(statement), ()):
            found = _include(model, call)
            if found is not None:
                registered.append(("include?", *found[1:]))
    for name in _bound_twice(model):  # which one a registration meant cannot be told
        routers.pop(name, None)
    return routers, tuple(registered)


def _bound_twice(model: SemanticModel) -> list[str]:
    return [name for name, bindings in model.module_scope.bindings.items() if len(bindings) > 1]


def _nested_includes(model: SemanticModel) -> dict[int, list[cst.Call]]:
    """A module-level `if`, `try` or function -> the `include_router(...)` statements in it,
    nested ones too (not in a class). From the calls the model collected: walking each
    function's subtree costs more than the rest of the module's summary."""
    found: dict[int, list[cst.Call]] = {}
    for call in model.nodes(cst.Call):
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "include_router":
            continue
        node = model.parent_of(call)
        if not isinstance(node, cst.Expr):
            continue
        parent = model.parent_of(node)
        while parent is not None and parent is not model.module:
            if isinstance(parent, cst.ClassDef):
                break
            node, parent = parent, model.parent_of(parent)
        if parent is model.module and isinstance(node, (cst.If, cst.Try, cst.FunctionDef)):
            found.setdefault(id(node), []).append(call)
    return found


def _router(model: SemanticModel, line: cst.Assign | cst.AnnAssign, routers: Routers) -> None:
    """`router = APIRouter(prefix="/users")`, `app = FastAPI()`."""
    targets = [t.target for t in line.targets] if isinstance(line, cst.Assign) else [line.target]
    value = line.value
    if len(targets) != 1 or not isinstance(targets[0], cst.Name):
        return
    if not isinstance(value, cst.Call):
        return
    built = model.qualified_names(value.func)
    if not built & (APP_TYPES | APPLICATIONS):
        return
    prefix = _prefix(model, value)
    if prefix is not None:
        routers[targets[0].value] = (prefix, bool(built & APPLICATIONS))


def _route(
    model: SemanticModel, decorator: cst.BaseExpression, function: str
) -> Registration | None:
    """`@router.get("/users/{id}")` on a module-level function."""
    if not isinstance(decorator, cst.Call) or not isinstance(decorator.func, cst.Attribute):
        return None
    receiver, method = decorator.func.value, decorator.func.attr.value
    if method not in ROUTE_METHODS or not isinstance(receiver, cst.Name):
        return None
    path = _text(model, call_argument(decorator, 0, "path"))
    if not path:
        return None
    methods = tuple(sorted(route_methods(decorator, method)))
    return ("route", receiver.value, methods, path, function)


def _include(model: SemanticModel, call: cst.Call) -> Registration | None:
    """`app.include_router(users.router, prefix="/users")`."""
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != "include_router":
        return None
    if not isinstance(func.value, cst.Name):
        return None
    included = call_argument(call, 0, "router")
    prefix = _prefix(model, call)
    if included is None or prefix is None:
        return None
    names = sorted(model.qualified_names(included))
    if not names and isinstance(included, cst.Name):
        names = [f"{model.module_name}.{included.value}"]  # a router of this module
    return ("include", func.value.value, names[0], prefix, "") if names else None


def _prefix(model: SemanticModel, call: cst.Call) -> str | None:
    if any(arg.star == "**" for arg in call.args):
        return None  # `APIRouter(**options)`: any prefix
    return _text(model, call_argument(call, None, "prefix"))


def _text(model: SemanticModel, node: cst.BaseExpression | None) -> str | None:
    """A path or prefix: a literal string, "" when absent (or `None`), the qualified name of a
    setting or constant (`<app.core.config.settings.API_V1>`) for the text it stands for;
    None when it cannot be told."""
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return ""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if dotted_name(node) is None:
        return None
    names = sorted(model.qualified_names(node))
    return f"<{names[0]}>" if len(names) == 1 else None
