"""The one traversal of a file: scopes, bindings, parents, and the nodes rules asked for.

LibCST's visitor framework visits every whitespace and token node and costs about as much as
the parse; this walk follows only the fields that hold code, with an explicit stack (no
recursion limit on deeply nested files), and costs a small fraction of the parse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from functools import cache

import libcst as cst

from asynclint.semantic.imports import resolve_relative
from asynclint.semantic.scopes import Binding, BindingKind, Scope, ScopeKind

# Fields that only hold whitespace, punctuation or keywords.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket", "leading_lines",
        "lines_after_decorators", "trailing_whitespace", "header", "footer", "semicolon",
        "comma", "equal", "colon", "first_colon", "second_colon", "dot", "at", "asynchronous",
        "operator", "relative", "indent", "encoding", "default_indent", "default_newline",
        "whitespace", "empty_lines",
    }
)  # fmt: skip


@cache
def _code_fields(cls: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
    )


def code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of `node` that hold code (no whitespace or punctuation nodes).

    Much faster than LibCST's `node.children`, which runs a visitor to collect them.
    """
    found: list[cst.CSTNode] = []
    is_node = _IS_NODE
    for name in _code_fields(type(node)):
        value = getattr(node, name)
        for item in value if type(value) in (tuple, list) else (value,):
            kind = type(item)
            flag = is_node.get(kind)
            if flag is None:
                flag = is_node[kind] = issubclass(kind, cst.CSTNode)
            if flag:
                found.append(item)
    return found


def named_parameters(function: cst.FunctionDef | cst.Lambda) -> list[cst.Param]:
    """The parameters a caller can name (not `*args`, not `**kwargs`)."""
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


#: Nodes whose bodies are code of their own (a type test: these classes are ABCs, and
#: `isinstance` with an ABC is slow on the many nodes that are none of them).
_NESTED = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


def before_yield(function: cst.FunctionDef) -> set[int]:
    """The ids of the nodes of `function`'s body (not in nested defs, lambdas or classes) that
    come before its first `yield` in the source: what a lifespan runs while the app starts."""
    seen: set[int] = set()
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            break
        seen.add(id(node))
        if type(node) not in _NESTED:
            stack.extend(reversed(node.children))
    return seen


def body_nodes(body: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`body` and the nodes in it, not in nested defs, lambdas or classes."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        yield node
        if type(node) not in _NESTED:
            stack.extend(code_children(node))


def dotted_name(node: cst.BaseExpression | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


# type -> is it a CSTNode? (isinstance against the CSTNode ABC is slow in a hot loop)
_IS_NODE: dict[type, bool] = {}

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclasses.dataclass
class WalkResult:
    module_scope: Scope
    scopes: list[Scope]
    scope_of: dict[int, Scope]
    parent_of: dict[int, cst.CSTNode]
    collected: dict[type, list[cst.CSTNode]]
    #: Every module the file imports, anywhere (`app.api.v1.seo`, and `pkg.mod` for
    #: `from pkg import mod`: a name imported from a package may be a module).
    imported: set[str]


class Walker:
    """Builds scopes and bindings in one pass over the tree."""

    def __init__(self, module_name: str, collect: Iterable[type], is_package: bool = False) -> None:
        self.module_name = module_name
        self.is_package = is_package  # the module is a package's `__init__`
        self.collect = frozenset(collect)
        self.scope_of: dict[int, Scope] = {}
        self.parent_of: dict[int, cst.CSTNode] = {}
        self.collected: dict[type, list[cst.CSTNode]] = {t: [] for t in self.collect}
        self.scopes: list[Scope] = []
        self.imported: set[str] = set()
        self._stack: list[tuple[cst.CSTNode, Scope]] = []

    def walk(self, module: cst.Module) -> WalkResult:
        root = Scope(ScopeKind.MODULE, module, None, name=self.module_name)
        self.scopes.append(root)
        stack = self._stack
        stack.append((module, root))
        scope_of, parent_of, collected, collect = (
            self.scope_of,
            self.parent_of,
            self.collected,
            self.collect,
        )
        handlers, leaves = _HANDLERS, _LEAVES
        while stack:
            node, scope = stack.pop()
            cls = type(node)
            scope_of[id(node)] = scope
            if cls in collect:
                collected[cls].append(node)
            if cls in leaves:
                continue
            handler = handlers.get(cls)
            if handler is not None and handler(self, node, scope):
                continue  # the handler pushed the children itself
            self._push_children(node, scope)
        return WalkResult(root, self.scopes, scope_of, parent_of, collected, self.imported)

    def _push_children(self, node: cst.CSTNode, scope: Scope) -> None:
        # `code_children` inlined: this loop runs for every node of every file, and building a
        # list per node doubles the cost of the walk (measured: 0.06x -> 0.13x a parse).
        stack, parent_of, is_node = self._stack, self.parent_of, _IS_NODE
        for name in _code_fields(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    item_kind = type(item)
                    flag = is_node.get(item_kind)
                    if flag is None:
                        flag = is_node[item_kind] = issubclass(item_kind, cst.CSTNode)
                    if flag:
                        parent_of[id(item)] = node
                        stack.append((item, scope))
                continue
            flag = is_node.get(kind)
            if flag is None:
                flag = is_node[kind] = issubclass(kind, cst.CSTNode)
            if flag:
                parent_of[id(value)] = node
                stack.append((value, scope))

    def push(self, parent: cst.CSTNode, child: cst.CSTNode | None, scope: Scope) -> None:
        if child is not None:
            self.parent_of[id(child)] = parent
            self._stack.append((child, scope))

    def new_scope(
        self, kind: ScopeKind, node: cst.CSTNode, parent: Scope, name: str = "", is_async=False
    ) -> Scope:
        scope = Scope(kind, node, parent, name=name, is_async=is_async)
        self.scopes.append(scope)
        return scope

    # -- binding targets ------------------------------------------------------------------

    def bind_target(
        self, target: cst.BaseExpression, scope: Scope, kind: BindingKind, value=None
    ) -> None:
        if isinstance(target, cst.Name):
            scope.bind(target.value, Binding(kind, scope, value=value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, scope, kind)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, scope, kind)


# -- node handlers: return True when they pushed the children themselves ---------------------


def _function(w: Walker, node: cst.FunctionDef, scope: Scope) -> bool:
    scope.bind(node.name.value, Binding(BindingKind.DEF, scope, value=node))
    inner = w.new_scope(
        ScopeKind.FUNCTION,
        node,
        scope,
        name=node.name.value,
        is_async=node.asynchronous is not None,
    )
    for decorator in node.decorators:
        w.push(node, decorator, scope)
    w.push(node, node.returns, scope)
    _parameters(w, node, node.params, scope, inner)
    w.push(node, node.body, inner)
    return True


def _parameters(
    w: Walker, owner: cst.CSTNode, params: cst.Parameters, outer: Scope, inner: Scope
) -> None:
    w.parent_of[id(params)] = owner
    w.scope_of[id(params)] = outer
    star_arg = params.star_arg if isinstance(params.star_arg, cst.Param) else None
    for param in (
        *params.posonly_params,
        *params.params,
        *((star_arg,) if star_arg else ()),
        *params.kwonly_params,
        *((params.star_kwarg,) if params.star_kwarg else ()),
    ):
        annotation = param.annotation.annotation if param.annotation else None
        inner.bind(
            param.name.value,
            Binding(BindingKind.PARAM, inner, annotation=annotation, default=param.default),
        )
        w.parent_of[id(param)] = params
        w.scope_of[id(param)] = outer
        w.push(param, param.annotation, outer)
        w.push(param, param.default, outer)


def _lambda(w: Walker, node: cst.Lambda, scope: Scope) -> bool:
    inner = w.new_scope(ScopeKind.LAMBDA, node, scope, name="<lambda>")
    _parameters(w, node, node.params, scope, inner)
    w.push(node, node.body, inner)
    return True


def _class(w: Walker, node: cst.ClassDef, scope: Scope) -> bool:
    scope.bind(node.name.value, Binding(BindingKind.CLASS, scope, value=node))
    inner = w.new_scope(ScopeKind.CLASS, node, scope, name=node.name.value)
    for child in (*node.decorators, *node.bases, *node.keywords):
        w.push(node, child, scope)
    w.push(node, node.body, inner)
    return True


def _comprehension(w: Walker, node: cst.CSTNode, scope: Scope) -> bool:
    inner = w.new_scope(ScopeKind.COMPREHENSION, node, scope)
    for_in = node.for_in  # type: ignore[attr-defined]
    while for_in is not None:
        w.bind_target(for_in.target, inner, BindingKind.LOOP)
        if for_in.asynchronous is not None:
            inner.function.suspends = True
        for_in = for_in.inner_for_in
    w._push_children(node, inner)
    return True


def _import(w: Walker, node: cst.Import, scope: Scope) -> bool:
    for alias in node.names:
        full = dotted_name(alias.name)  # type: ignore[arg-type]
        if full is None:
            continue
        w.imported.add(full)
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            scope.bind(alias.asname.name.value, Binding(BindingKind.IMPORT, scope, qname=full))
        else:
            top = full.split(".", 1)[0]
            scope.bind(top, Binding(BindingKind.IMPORT, scope, qname=top))
    return True


def imported_from(node: cst.ImportFrom, module_name: str, is_package: bool) -> str | None:
    """The module `from x import ...` in `module_name` imports from (relative ones resolved)."""
    base = dotted_name(node.module) if node.module is not None else ""
    if node.relative:
        base = resolve_relative(module_name, len(node.relative), base or "", is_package)
    return base


def _import_from(w: Walker, node: cst.ImportFrom, scope: Scope) -> bool:
    base = imported_from(node, w.module_name, w.is_package)
    if base:
        w.imported.add(base)
    if isinstance(node.names, cst.ImportStar) or base is None:
        return True
    for alias in node.names:
        name = dotted_name(alias.name)  # type: ignore[arg-type]
        if name is None:
            continue
        if base:
            w.imported.add(f"{base}.{name}")
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        qname = f"{base}.{name}" if base else name
        scope.bind(local, Binding(BindingKind.IMPORT, scope, qname=qname))
    return True


def _assign(w: Walker, node: cst.Assign, scope: Scope) -> bool:
    for target in node.targets:
        w.bind_target(target.target, scope, BindingKind.ASSIGN, value=node.value)
        _attribute_set(target.target, scope, node.value, None)
    return False


def _attribute_set(target, scope: Scope, value, annotation) -> None:
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        scope.function.attribute_sets.append(
            (target.value.value, target.attr.value, value, annotation)
        )


def _ann_assign(w: Walker, node: cst.AnnAssign, scope: Scope) -> bool:
    _attribute_set(node.target, scope, node.value, node.annotation.annotation)
    if isinstance(node.target, cst.Name):
        scope.bind(
            node.target.value,
            Binding(
                BindingKind.ASSIGN,
                scope,
                value=node.value,
                annotation=node.annotation.annotation,
            ),
        )
    return False


def _aug_assign(w: Walker, node: cst.AugAssign, scope: Scope) -> bool:
    w.bind_target(node.target, scope, BindingKind.OTHER)
    return False


def _named_expr(w: Walker, node: cst.NamedExpr, scope: Scope) -> bool:
    w.bind_target(node.target, scope.function, BindingKind.ASSIGN, value=node.value)
    return False


def _for(w: Walker, node: cst.For, scope: Scope) -> bool:
    w.bind_target(node.target, scope, BindingKind.LOOP)
    if node.asynchronous is not None:
        scope.function.suspends = True
    return False


def _suspends(w: Walker, node: cst.Await | cst.With, scope: Scope) -> bool:
    """`await`, `async with`: the function they run in suspends (a comprehension's is the
    function around it, and so is a nested def's for its decorators, defaults and
    annotations: they are evaluated there)."""
    if type(node) is cst.Await or node.asynchronous is not None:  # type: ignore[union-attr]
        scope.function.suspends = True
    return False


def _with_item(w: Walker, node: cst.WithItem, scope: Scope) -> bool:
    if node.asname is not None:
        w.bind_target(node.asname.name, scope, BindingKind.WITH, value=node.item)
    return False


def _except(w: Walker, node: cst.ExceptHandler, scope: Scope) -> bool:
    if node.name is not None:
        w.bind_target(node.name.name, scope, BindingKind.OTHER)
    return False


def _global(w: Walker, node: cst.Global | cst.Nonlocal, scope: Scope) -> bool:
    scope.declared_outer.update(item.name.value for item in node.names)
    return True


def _return(w: Walker, node: cst.Return, scope: Scope) -> bool:
    if node.value is not None:
        scope.function.returns.append(node.value)
    return False


def _yield(w: Walker, node: cst.Yield, scope: Scope) -> bool:
    if isinstance(node.value, cst.BaseExpression):
        scope.function.yields.append(node.value)
    return False


#: Nodes with no code below them (a third of the nodes walked are names).
_LEAVES = frozenset(
    {cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis}
)

_HANDLERS = {
    cst.FunctionDef: _function,
    cst.Lambda: _lambda,
    cst.ClassDef: _class,
    cst.ListComp: _comprehension,
    cst.SetComp: _comprehension,
    cst.DictComp: _comprehension,
    cst.GeneratorExp: _comprehension,
    cst.Import: _import,
    cst.ImportFrom: _import_from,
    cst.Assign: _assign,
    cst.AnnAssign: _ann_assign,
    cst.AugAssign: _aug_assign,
    cst.NamedExpr: _named_expr,
    cst.For: _for,
    cst.Await: _suspends,
    cst.With: _suspends,
    cst.WithItem: _with_item,
    cst.ExceptHandler: _except,
    cst.Global: _global,
    cst.Nonlocal: _global,
    cst.Return: _return,
    cst.Yield: _yield,
}
