"""Scopes and the names bound in them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import libcst as cst


class ScopeKind(enum.Enum):
    MODULE = "module"
    FUNCTION = "function"
    LAMBDA = "lambda"
    CLASS = "class"
    COMPREHENSION = "comprehension"


class BindingKind(enum.Enum):
    IMPORT = "import"
    PARAM = "param"
    ASSIGN = "assign"
    DEF = "def"
    CLASS = "class"
    LOOP = "loop"
    WITH = "with"
    OTHER = "other"


@dataclass(eq=False)
class Binding:
    """One way a name gets bound in a scope."""

    kind: BindingKind
    scope: Scope
    #: IMPORT: the qualified name imported.
    qname: str | None = None
    #: ASSIGN / WITH: the value expression; DEF / CLASS: the definition node.
    value: cst.CSTNode | None = None
    #: PARAM / annotated ASSIGN: the annotation expression.
    annotation: cst.BaseExpression | None = None
    #: PARAM: the default value expression.
    default: cst.BaseExpression | None = None


@dataclass(eq=False)
class Scope:
    """A module, function, lambda, class or comprehension body."""

    kind: ScopeKind
    node: cst.CSTNode
    parent: Scope | None
    name: str = ""
    is_async: bool = False
    #: Code of its own (not a nested def's body) has an `await`, `async for` or `async with`.
    suspends: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Names declared `global` or `nonlocal` here.
    declared_outer: set[str] = field(default_factory=set)
    #: Values of `return` / `yield` / `yield from` in this function.
    returns: list[cst.BaseExpression] = field(default_factory=list)
    yields: list[cst.BaseExpression] = field(default_factory=list)
    #: `obj.attr = value` / `obj.attr: T = value` here: (obj, attr, value, annotation).
    attribute_sets: list[tuple[str, str, cst.BaseExpression | None, cst.BaseExpression | None]] = (
        field(default_factory=list)
    )

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    @property
    def function(self) -> Scope:
        """The innermost scope that is not a comprehension (comprehensions run inline)."""
        scope = self
        while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
            scope = scope.parent
        return scope

    @property
    def in_async_context(self) -> bool:
        """True when code here runs on the event loop of an `async def` body."""
        func = self.function
        return func.kind is ScopeKind.FUNCTION and func.is_async

    def lookup(self, name: str) -> list[Binding] | None:
        """The bindings that a use of `name` here refers to (Python's LEGB rule)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            is_class = scope.kind is ScopeKind.CLASS
            if (first or not is_class) and name not in scope.declared_outer:
                found = scope.bindings.get(name)
                if found:
                    return found
            first = False
            scope = scope.parent
        return None
