"""Where the items a loop goes through come from: what the client sent, an uploaded file,
or the server's own data (rows a query returned, a relation of an injected object).

ASL301 leaves a loop over the client's values to preview: a list in a request body is as long
as the client made it, mostly a handful of ids. The rows of an uploaded file are as many as
the file holds, whatever the route.
"""

from __future__ import annotations

import enum

import libcst as cst

from asynclint.rules._loops import Comprehension, body_nodes
from asynclint.semantic.model import SemanticModel
from asynclint.semantic.origins import is_injected
from asynclint.semantic.scopes import BindingKind

#: `enumerate(items)`, `sorted(items)`: the same items, one by one.
_SAME_ITEMS = frozenset(
    f"builtins.{name}"
    for name in ("enumerate", "zip", "sorted", "list", "set", "tuple", "reversed")
)
#: `body.items()`, `body.get("ids")`: a part of the same value.
_PART_METHODS = frozenset({"items", "keys", "values", "get", "copy"})
_UPLOADS = frozenset({"fastapi.UploadFile", "starlette.datastructures.UploadFile", "fastapi.File"})
#: How many assignments and calls back a value is followed.
_DEPTH = 6


class Origin(enum.Enum):
    CLIENT = "client"
    UPLOAD = "upload"
    SERVER = "server"


class RequestData:
    """Per-file answers about the origin of a loop's items, within the function it is in."""

    def __init__(self, semantic: SemanticModel) -> None:
        self.semantic = semantic

    def of_loop(self, loop: cst.CSTNode) -> Origin:
        if isinstance(loop, cst.For):
            iterable: cst.BaseExpression = loop.iter
        elif isinstance(loop, Comprehension):
            iterable = loop.for_in.iter  # type: ignore[attr-defined]
        else:
            return Origin.SERVER  # a `while` loop: what it drains was filled somewhere
        scope = self.semantic.scope_of(loop)
        function = scope.function.node if scope is not None else None
        if not isinstance(function, cst.FunctionDef):
            return Origin.SERVER
        return self._origin(iterable, function, _DEPTH)

    def _origin(self, node: cst.CSTNode, function: cst.FunctionDef, depth: int) -> Origin:
        node = self._same_value(node)
        if isinstance(node, cst.Call):
            # What a call makes of client values only (`sanitize(body)`,
            # `Wizard.model_validate_json(form)`) is still as long as the client made it.
            parts = [arg.value for arg in node.args]
            if isinstance(node.func, cst.Attribute) and not self._static(node.func.value):
                parts.append(node.func.value)  # `(await upload.read()).decode()`
            return self._combine(parts, function, depth)
        if not isinstance(node, cst.Name):
            return Origin.SERVER
        bindings = self.semantic.bindings_of(node)
        if not bindings or any(b.scope.node is not function for b in bindings):
            return Origin.SERVER
        if all(b.kind is BindingKind.PARAM for b in bindings):
            params = function.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            param = next((p for p in every if p.name.value == node.value), None)
            return self._param(param) if param is not None else Origin.SERVER
        if not all(b.kind is BindingKind.ASSIGN and b.value is not None for b in bindings):
            return Origin.SERVER
        return self._combine([b.value for b in bindings], function, depth)  # type: ignore[misc]

    def _combine(self, parts: list[cst.CSTNode], function: cst.FunctionDef, depth: int) -> Origin:
        """An upload among the parts makes the whole an upload's; the client's values only
        (at least one) make it the client's; anything else, the server's."""
        if depth == 0 or not parts:
            return Origin.SERVER
        origins = {self._origin(part, function, depth - 1) for part in parts}
        if Origin.UPLOAD in origins:
            return Origin.UPLOAD
        return Origin.CLIENT if origins == {Origin.CLIENT} else Origin.SERVER

    def _same_value(self, node: cst.CSTNode) -> cst.CSTNode:
        """Strip what keeps a value's origin: `x or []`, `await x`, `x.items`, `x["k"]`,
        `enumerate(x)`, `x.items()`, `x.get("k")`."""
        while True:
            if isinstance(node, cst.BooleanOperation):
                node = node.left
            elif isinstance(node, cst.Await):
                node = node.expression
            elif isinstance(node, (cst.Attribute, cst.Subscript)):
                node = node.value
            elif isinstance(node, cst.Call) and node.args and self._same_items(node.func):
                node = node.args[0].value
            elif (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in _PART_METHODS
            ):
                node = node.func.value
            else:
                return node

    def _param(self, param: cst.Param) -> Origin:
        """What FastAPI fills `param` with: a dependency's value, an upload, or the client's."""
        if is_injected(self.semantic, param):
            return Origin.SERVER
        annotation = param.annotation.annotation if param.annotation is not None else None
        default = param.default.func if isinstance(param.default, cst.Call) else None
        upload = any(
            self.semantic.qualified_names(n) & _UPLOADS
            for part in (annotation, default)
            if part is not None
            for n in body_nodes(part)
            if isinstance(n, (cst.Name, cst.Attribute))
        )
        return Origin.UPLOAD if upload else Origin.CLIENT

    def _static(self, receiver: cst.BaseExpression) -> bool:
        """A class or module (`json.loads`, `Wizard.model_validate_json`), not a value."""
        if not isinstance(receiver, cst.Name):
            return False
        bindings = self.semantic.bindings_of(receiver)
        return all(b.kind in (BindingKind.IMPORT, BindingKind.CLASS) for b in bindings)

    def _same_items(self, func: cst.BaseExpression) -> bool:
        return isinstance(func, cst.Name) and bool(
            self.semantic.qualified_names(func) & _SAME_ITEMS
        )
