"""What the fixes share: where `await` may go, which import binds a name, free names."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.fix import Import
from asynclint.semantic.scopes import BindingKind
from asynclint.semantic.walker import code_children

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel


def can_await(semantic: SemanticModel, node: cst.CSTNode) -> bool:
    """`await` may replace `node`: it runs in the body of an `async def` itself, not in a
    generator expression (an `await` there makes it an async generator)."""
    context = semantic.loop_context(node)
    if context is None:
        return False
    function = context.function.node
    parent = semantic.parent_of(node)
    while parent is not None and parent is not function:
        if isinstance(parent, (cst.GeneratorExp, cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            return False
        parent = semantic.parent_of(parent)
    return isinstance(function, cst.FunctionDef) and function.asynchronous is not None


def _free_or_module(semantic: SemanticModel, node: cst.CSTNode, name: str) -> bool:
    """At `node`, `name` is the module `name` (`import asyncio`) or not bound at all, so a
    fix may write `asyncio.sleep(...)` there and add `import asyncio`."""
    scope = semantic.scope_of(node)
    bindings = scope.lookup(name) if scope is not None else None
    return not bindings or all(b.kind is BindingKind.IMPORT and b.qname == name for b in bindings)


def module_name_at(
    semantic: SemanticModel, node: cst.CSTNode, module: str
) -> tuple[str, tuple[Import, ...]] | None:
    """How code at `node` names `module`: its name or the alias the file imports it under
    (`import asyncio as aio`), else its name with the import to add; None when that name
    means something else there."""
    scope = semantic.scope_of(node)
    if scope is None:
        return None
    names = sorted(
        (
            name
            for name, bindings in semantic.module_scope.bindings.items()
            if bindings
            and all(b.kind is BindingKind.IMPORT and b.qname == module for b in bindings)
        ),
        key=lambda name: (name != module, name),
    )
    for name in names:
        if scope.lookup(name) is semantic.module_scope.bindings[name]:
            return name, ()
    if _free_or_module(semantic, node, module):
        return module, (Import(module),)
    return None


def import_of(semantic: SemanticModel, func: cst.BaseExpression) -> Import | None:
    """The import statement that binds the root name of `func` (`time` in `time.sleep`)."""
    root = func
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return None
    imported = semantic.binding_of(root, BindingKind.IMPORT)
    if imported is None:
        return None
    qname = imported.qname or ""
    local = root.value
    if root is func and "." in qname:  # `from time import sleep [as nap]`
        module, _, obj = qname.rpartition(".")
        return Import(module, obj, None if local == obj else local)
    return Import(qname, None, None if local == qname else local)


def spelled_names(node: cst.CSTNode) -> set[str]:
    """Every name spelled in `node` (attribute names too), nested functions and classes
    included: a name a fix binds in a function must not be one of these, or a use of it
    elsewhere would change. (`_loops.names_in` gives the names an expression reads.)"""
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        stack.extend(code_children(current))
    return names


def module_attribute(module: str, attribute: str) -> cst.Attribute:
    """`asyncio.sleep` as a node."""
    node: cst.BaseExpression = cst.Name(module.split(".")[0])
    for part in module.split(".")[1:]:
        node = cst.Attribute(node, cst.Name(part))
    return cst.Attribute(node, cst.Name(attribute))
