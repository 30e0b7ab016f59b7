"""Object origins: which class an expression is an instance of.

Tracked from constructor and factory calls, `await`, `with ... as`, parameter annotations
(unwrapping `Optional`, `Annotated`, `X | None`, generators) and, for `Depends(f)` parameters,
the return annotation of `f` or the values it returns or yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.memo import per_node
from asynclint.semantic.names import canonical
from asynclint.semantic.scopes import Binding, BindingKind, ScopeKind
from asynclint.semantic.tables import (
    ATTRIBUTES,
    DEPENDS,
    FIRST_ARG_WRAPPERS,
    KNOWN_INSTANCES,
    NOT_CONSTRUCTORS,
    RETURNS,
    TYPING_MODULES,
    UNION_WRAPPERS,
)

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

_EMPTY: frozenset[str] = frozenset()


def types_of(model: SemanticModel, node: cst.CSTNode) -> frozenset[str]:
    return per_node(model._types, model, node, _compute)


def _compute(model: SemanticModel, node: cst.CSTNode) -> frozenset[str]:
    kind = type(node)  # not `isinstance`: LibCST's node classes check instances slowly (ABCs)
    if kind is cst.Name or kind is cst.Attribute:
        known = {KNOWN_INSTANCES[q] for q in model.qualified_names(node) if q in KNOWN_INSTANCES}
        if known:
            return frozenset(known)
    if kind is cst.Name:
        scope = model.scope_of(node)
        bindings = scope.lookup(node.value) if scope is not None else None
        if not bindings:
            return _EMPTY
        found: set[str] = set()
        for binding in bindings:
            found |= binding_types(model, binding)
        return frozenset(found)
    if kind is cst.Await:
        return types_of(model, node.expression)
    if kind is cst.Call:
        return _call_types(model, node)
    if kind is cst.Attribute:
        return _member_types(model, node.value, node.attr.value) | _self_attribute_types(
            model, node
        )
    if isinstance(node, cst.Subscript):
        return _member_types(model, node.value, "__getitem__")
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return types_of(model, node.left) & {"pathlib.Path"}
    return _EMPTY


def _member_types(model: SemanticModel, value: cst.CSTNode, member: str) -> frozenset[str]:
    found = set()
    for owner in types_of(model, value):
        result = ATTRIBUTES.get(f"{owner}.{member}")
        if result is None and member != "__getitem__":
            result = ATTRIBUTES.get(f"{owner}.*")
        if result is not None:
            found.add(result)
    return frozenset(found)


def _self_attribute_types(model: SemanticModel, node: cst.Attribute) -> frozenset[str]:
    """`self.client` in a method: what the class's methods assign to it, or its annotation."""
    owner = node.value
    cls = model.self_class(owner) if isinstance(owner, cst.Name) else None
    if cls is None:
        return _EMPTY
    attr = node.attr.value
    found: set[str] = set()
    for binding in cls.bindings.get(attr, ()):  # class-level `client: httpx.Client = ...`
        found |= binding_types(model, binding)
    for sibling in model.methods_of(cls):
        first = sibling.node.params.params  # type: ignore[attr-defined]
        if not first:
            continue
        self_name = first[0].name.value
        for name, set_attr, value, annotation in sibling.attribute_sets:
            if name != self_name or set_attr != attr:
                continue
            if annotation is not None:
                found |= annotation_types(model, annotation)
            elif value is not None:
                found |= types_of(model, value)
    return frozenset(found)


def _call_types(model: SemanticModel, call: cst.Call) -> frozenset[str]:
    found: set[str] = set()
    # Calling an instance: `SessionLocal()` where SessionLocal = sessionmaker(...).
    for owner in types_of(model, call.func):
        result = RETURNS.get(f"{owner}.__call__")
        if result is not None:
            found.add(result)
    called_instance = bool(found)
    for qname in model.qualified_names(call.func):
        if qname in RETURNS:
            found.add(RETURNS[qname])
            continue
        func = model.local_function(call.func)
        if func is not None:
            found |= function_result_types(model, func)
            continue
        imported = model.imported("result", qname)
        if imported:
            found |= imported
        elif (
            not called_instance
            and qname.rsplit(".", 1)[-1][:1].isupper()
            and qname not in NOT_CONSTRUCTORS
        ):
            found.add(qname)  # a class: the call constructs an instance
    return frozenset(found)


def binding_types(model: SemanticModel, binding: Binding) -> frozenset[str]:
    if binding.kind is BindingKind.PARAM:
        return _param_types(model, binding)
    if binding.kind is BindingKind.IMPORT and binding.qname:
        return model.imported("value", binding.qname)
    if binding.kind is BindingKind.ASSIGN:
        if binding.annotation is not None:
            annotated = annotation_types(model, binding.annotation)
            if annotated:
                return annotated
        return types_of(model, binding.value) if binding.value is not None else _EMPTY
    if binding.kind is BindingKind.WITH and binding.value is not None:
        return types_of(model, binding.value)
    return _EMPTY


def _param_types(model: SemanticModel, binding: Binding) -> frozenset[str]:
    if isinstance(binding.annotation, cst.Name) and binding.default is None:
        # An alias from another module: `db: SessionDep`.
        for qname in model.qualified_names(binding.annotation):
            received = model.imported("alias", qname)
            if received:
                return received
    # What FastAPI injects wins over what the annotation claims.
    dependency = _depends_target(model, binding.default)
    if dependency is None and binding.annotation is not None:
        dependency = _annotated_dependency(model, binding.annotation)
    if dependency is not None:
        injected = dependency_types(model, dependency)
        if injected:
            return injected
    if binding.annotation is not None:
        return annotation_types(model, binding.annotation)
    return _EMPTY


def _depends_target(model: SemanticModel, node: cst.CSTNode | None) -> cst.CSTNode | None:
    if not isinstance(node, cst.Call) or not (model.qualified_names(node.func) & DEPENDS):
        return None
    for arg in node.args:
        if arg.keyword is None or arg.keyword.value == "dependency":
            return arg.value
    return None


def _annotated_dependency(model: SemanticModel, annotation: cst.CSTNode) -> cst.CSTNode | None:
    for call in _annotated_depends(model, annotation):
        target = _depends_target(model, call)
        if target is not None:
            return target
    return None


def _annotated_depends(model: SemanticModel, annotation: cst.CSTNode) -> Iterator[cst.Call]:
    """The `Depends(...)` calls in `Annotated[T, Depends(f)]`, also through a module alias."""
    annotation = _alias_target(model, annotation)
    if not isinstance(annotation, cst.Subscript) or _typing_name(model, annotation) != "Annotated":
        return
    for element in annotation.slice[1:]:
        if isinstance(element.slice, cst.Index):
            value = element.slice.value
            if isinstance(value, cst.Call) and model.qualified_names(value.func) & DEPENDS:
                yield value


def is_injected(model: SemanticModel, param: cst.Param) -> bool:
    """FastAPI fills `param` by dependency injection: `= Depends(f)`, `Annotated[T, Depends()]`."""
    default = param.default
    if isinstance(default, cst.Call) and model.qualified_names(default.func) & DEPENDS:
        return True
    annotation = param.annotation.annotation if param.annotation is not None else None
    if not isinstance(annotation, (cst.Name, cst.Subscript)):
        return False
    return next(_annotated_depends(model, annotation), None) is not None


def _alias_target(model: SemanticModel, node: cst.CSTNode) -> cst.CSTNode:
    """Follow a module-level alias (`DbSession = Annotated[...]`) to its value."""
    for _ in range(5):
        if not isinstance(node, cst.Name):
            return node
        assigned = model.binding_of(node, BindingKind.ASSIGN)
        if assigned is None:
            return node
        value = assigned.value
        if value is None or assigned.scope.kind is not ScopeKind.MODULE:
            return node
        node = value
    return node


def dependency_types(model: SemanticModel, target: cst.CSTNode) -> frozenset[str]:
    """The type FastAPI injects for `Depends(target)`."""
    func = model.local_function(target)
    if func is not None:
        return function_result_types(model, func)
    found: set[str] = set()
    for qname in model.qualified_names(target):
        imported = model.imported("result", qname)
        if imported:
            found |= imported
        elif qname.rsplit(".", 1)[-1][:1].isupper():
            found.add(qname)  # a class used as a dependency
    return frozenset(found)


def function_result_types(model: SemanticModel, func: cst.FunctionDef) -> frozenset[str]:
    """A function's result: its return annotation, else what it returns or yields."""
    return per_node(model._results, model, func, _function_result)


def _function_result(model: SemanticModel, func: cst.FunctionDef) -> frozenset[str]:
    if func.returns is not None:
        return annotation_types(model, func.returns.annotation)
    scope = model.function_scope(func)
    values = [*scope.yields, *scope.returns] if scope is not None else []
    return frozenset().union(*(types_of(model, v) for v in values))


def _typing_name(model: SemanticModel, subscript: cst.Subscript) -> str | None:
    for qname in model.qualified_names(subscript.value):
        module, _, name = qname.rpartition(".")
        if module in TYPING_MODULES or module == "builtins":
            return name
    return None


def annotation_types(model: SemanticModel, node: cst.CSTNode) -> frozenset[str]:
    """Classes named by a type annotation."""
    node = _alias_target(model, node)
    if isinstance(node, cst.Subscript):
        wrapper = _typing_name(model, node)
        elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        if wrapper in UNION_WRAPPERS:
            return frozenset().union(*(annotation_types(model, e) for e in elements))
        if wrapper in FIRST_ARG_WRAPPERS and elements:
            return annotation_types(model, elements[0])
        return _EMPTY
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return annotation_types(model, node.left) | annotation_types(model, node.right)
    if isinstance(node, (cst.Name, cst.Attribute)):
        return frozenset(
            canonical(q)
            for q in model.qualified_names(node)
            if not q.startswith("builtins.") and q.rpartition(".")[0] not in TYPING_MODULES
        )
    return _EMPTY
