"""Qualified names of expressions, through imports, aliases and object origins."""

from __future__ import annotations

import builtins
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.memo import per_node
from asynclint.semantic.scopes import BindingKind, ScopeKind
from asynclint.semantic.tables import CANONICAL

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

_BUILTINS = frozenset(dir(builtins))
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=65536)
def canonical(qname: str) -> str:
    """Map a re-exported or private spelling to the public one (longest dotted prefix wins)."""
    if qname in CANONICAL:
        return CANONICAL[qname]
    cut = len(qname)
    while True:
        cut = qname.rfind(".", 0, cut)
        if cut <= 0:
            return qname
        prefix = qname[:cut]
        if prefix in CANONICAL:
            return CANONICAL[prefix] + qname[cut:]


def qualified_names(model: SemanticModel, node: cst.CSTNode) -> frozenset[str]:
    """Every qualified name `node` may refer to; empty when it is a local value of unknown type.

    A parameter or local that shadows an imported module has no qualified name.
    """
    return per_node(model._qnames, model, node, _compute)


def _compute(model: SemanticModel, node: cst.CSTNode) -> frozenset[str]:
    kind = type(node)  # not `isinstance`: LibCST's node classes check instances slowly (ABCs)
    if kind is cst.Name:
        scope = model.scope_of(node)
        bindings = scope.lookup(node.value) if scope is not None else None
        if bindings is None:
            if node.value in _BUILTINS:
                return frozenset({f"builtins.{node.value}"})
            return _EMPTY
        names = set()
        for binding in bindings:
            if binding.kind is BindingKind.IMPORT and binding.qname:
                names.add(canonical(binding.qname))
            elif (
                binding.kind in (BindingKind.DEF, BindingKind.CLASS)
                and binding.scope.kind is ScopeKind.MODULE
            ):
                names.add(f"{model.module_name}.{node.value}")
        return frozenset(names)
    if kind is cst.Attribute:
        attr = node.attr.value
        bases = qualified_names(model, node.value) | model.types_of(node.value)
        if not bases:
            return _EMPTY
        return frozenset([canonical(f"{base}.{attr}") for base in bases])
    return _EMPTY
