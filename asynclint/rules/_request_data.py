"""Where the items a loop goes through come from: what the client sent, an uploaded file,
one stored document, or the server's own data (rows a query returned, a relation of an
injected object).

ASL301 leaves a loop over the client's values to preview: a list in a request body is as long
as the client made it, mostly a handful of ids. So is a list kept in one stored document (a
JSON column: `job.meta_data["crew"]`): it holds what one such request wrote. The rows of an
uploaded file are as many as the file holds, whatever the route.
"""

from __future__ import annotations

import enum

import libcst as cst

from asynclint.rules._loops import Comprehension
from asynclint.semantic.model import SemanticModel
from asynclint.semantic.origins import is_injected
from asynclint.semantic.scopes import BindingKind
from asynclint.semantic.summary import LIBRARY_ROOTS
from asynclint.semantic.tables import REQUEST_TYPES, UPLOAD_TYPES
from asynclint.semantic.walker import body_nodes, named_parameters

#: `enumerate(items)`, `sorted(items)`: the same items, one by one.
_SAME_ITEMS = frozenset(
    f"builtins.{name}" for name in ("enumerate", "sorted", "list", "set", "tuple", "reversed")
)
#: `body.items()`, `body.get("ids")`: a part of the same value.
_PART_METHODS = frozenset({"items", "keys", "values", "get", "copy"})
#: What a client's text or dict becomes, parsed or zipped: still as long as the client made
#: it (`json.loads(text)`, `Wizard.model_validate_json(form)`, `zip(ids, names)`).
_KEEP_ITEMS = frozenset({"json.loads", "builtins.zip"})
_PARSER_METHODS = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw"})
#: The parts of a `Request` the client wrote; the rest (`request.app.state`, `request.state`)
#: is the server's.
_REQUEST_PARTS = frozenset(
    {"query_params", "path_params", "headers", "cookies", "json", "form", "body", "stream"}
)
#: How many assignments and calls back a value is followed.
_DEPTH = 6


class Origin(enum.Enum):
    CLIENT = "client"
    UPLOAD = "upload"
    DOCUMENT = "document"
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
        return self._origin(iterable, function, _DEPTH, frozenset())

    def _origin(
        self, node: cst.CSTNode, function: cst.FunctionDef, depth: int, seen: frozenset[str]
    ) -> Origin:
        """`seen`: the names being followed, so `ids = sorted(ids)` reads the parameter."""
        origin = self._followed(node, function, depth, seen)
        return Origin.DOCUMENT if origin is Origin.SERVER and self._document(node) else origin

    def _document(self, node: cst.CSTNode) -> bool:
        """`job.meta_data["crew"]`, `order.details.get("lines", [])`: the entry an object
        holds under a key (a JSON column), not a relation (`job.crew`, `team.members[1:]`)
        or a query's rows; also counted one by one (`enumerate(...)`, `.items()`)."""
        while (step := self._step(node, parts=False)) is not None:
            node = step[0]
        if isinstance(node, cst.Subscript) and len(node.slice) == 1:
            index = node.slice[0].slice
            key = index.value if isinstance(index, cst.Index) else None
            holder: cst.BaseExpression = node.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "get"
            and node.args
        ):
            key, holder = node.args[0].value, node.func.value
        else:
            return False
        return isinstance(holder, cst.Attribute) and isinstance(key, cst.SimpleString)

    def _followed(
        self, node: cst.CSTNode, function: cst.FunctionDef, depth: int, seen: frozenset[str]
    ) -> Origin:
        node, part = self._same_value(node)
        if isinstance(node, cst.Call):
            return self._call(node, function, depth, seen)
        if not isinstance(node, cst.Name):
            return Origin.SERVER
        bindings = self.semantic.bindings_of(node)
        if not bindings or any(b.scope.node is not function for b in bindings):
            return Origin.SERVER
        origins = set()
        for binding in bindings:
            if binding.kind is BindingKind.PARAM:
                origins.add(self._param(node, function, part))
            elif binding.kind is BindingKind.ASSIGN and binding.value is not None:
                if node.value not in seen:
                    inner = seen | {node.value}
                    origins.add(self._combine([binding.value], function, depth, inner))
            else:
                return Origin.SERVER
        return _merge(origins)

    def _call(
        self, call: cst.Call, function: cst.FunctionDef, depth: int, seen: frozenset[str]
    ) -> Origin:
        """What a call answers: an upload's if an argument reads one (`csv.reader(
        io.StringIO(text))`); a method's answer is its value's (`body.model_dump()`,
        `request.json()`, `(await upload.read()).decode()`); `zip` of client values or a
        parser of one (`Wizard.model_validate_json(form)`) is the client's; anything else,
        such as the rows `orders_of(user_id)` returns, the server's."""
        if depth == 0:
            return Origin.SERVER
        args = {self._origin(arg.value, function, depth - 1, seen) for arg in call.args}
        if Origin.UPLOAD in args:
            return Origin.UPLOAD
        if isinstance(call.func, cst.Attribute) and not self._static(call.func.value):
            return self._origin(call.func, function, depth - 1, seen)
        if args == {Origin.CLIENT} and self._keeps_items(call.func):
            return Origin.CLIENT
        return Origin.SERVER

    def _combine(
        self,
        parts: list[cst.CSTNode],
        function: cst.FunctionDef,
        depth: int,
        seen: frozenset[str],
    ) -> Origin:
        if depth == 0 or not parts:
            return Origin.SERVER
        return _merge({self._origin(part, function, depth - 1, seen) for part in parts})

    def _same_value(self, node: cst.CSTNode) -> tuple[cst.CSTNode, str | None]:
        """Strip what keeps a value's origin: `x or []`, `await x`, `x.items`, `x["k"]`,
        `enumerate(x)`, `x.items()`, `x.get("k")`; with the attribute read on the name the
        value starts from (`query_params` in `request.query_params.getlist(...)`)."""
        part = None
        while (step := self._step(node, parts=True)) is not None:
            node, read = step
            part = read if read is not None else part
        return node, part

    def _step(self, node: cst.CSTNode, parts: bool) -> tuple[cst.CSTNode, str | None] | None:
        """One wrapper that keeps a value's items, stripped: `x or []`, `await x`,
        `enumerate(x)`, `x.items()`; with `parts`, also a part of it: `x.attr` (with the
        attribute's name), `x["k"]`, `x.get("k")`. None when there is none."""
        if isinstance(node, cst.BooleanOperation):
            return node.left, None
        if isinstance(node, cst.Await):
            return node.expression, None
        if isinstance(node, cst.Call) and node.args and self._one_argument(node):
            return node.args[0].value, None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method in _PART_METHODS and (parts or method != "get"):
                return node.func.value, None
        if parts and isinstance(node, cst.Attribute):
            return node.value, node.attr.value
        if parts and isinstance(node, cst.Subscript):
            return node.value, None
        return None

    def _param(self, name: cst.Name, function: cst.FunctionDef, part: str | None) -> Origin:
        """What FastAPI fills the parameter `name` reads with: a dependency's value, an
        upload, the client's values (a `Request`'s query, headers, body; a body model), or
        the server's (a connection or session of a library the tables know)."""
        params = named_parameters(function)
        param = next((p for p in params if p.name.value == name.value), None)
        if param is None or is_injected(self.semantic, param):
            return Origin.SERVER
        annotation = param.annotation.annotation if param.annotation is not None else None
        default = param.default.func if isinstance(param.default, cst.Call) else None
        named = {
            qname
            for piece in (annotation, default)
            if piece is not None
            for n in body_nodes(piece)
            if isinstance(n, (cst.Name, cst.Attribute))
            for qname in self.semantic.qualified_names(n)
        }
        if named & UPLOAD_TYPES:
            return Origin.UPLOAD
        if named & REQUEST_TYPES:
            return Origin.CLIENT if part in _REQUEST_PARTS else Origin.SERVER
        library = any(t.split(".", 1)[0] in LIBRARY_ROOTS for t in self.semantic.types_of(name))
        return Origin.SERVER if library else Origin.CLIENT

    def _static(self, receiver: cst.BaseExpression) -> bool:
        """A class or module (`json.loads`, `Wizard.model_validate_json`), not a value."""
        if not isinstance(receiver, cst.Name):
            return False
        bindings = self.semantic.bindings_of(receiver)
        return all(b.kind in (BindingKind.IMPORT, BindingKind.CLASS) for b in bindings)

    def _one_argument(self, call: cst.Call) -> bool:
        """`enumerate(x)`, `sorted(x)`: the items of their first argument."""
        func = call.func
        return isinstance(func, cst.Name) and bool(
            self.semantic.qualified_names(func) & _SAME_ITEMS
        )

    def _keeps_items(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Attribute) and func.attr.value in _PARSER_METHODS:
            return True
        return bool(self.semantic.qualified_names(func) & _KEEP_ITEMS)


def _merge(origins: set[Origin]) -> Origin:
    """An upload among the parts makes the whole an upload's; the client's values and
    stored documents' entries only (at least one), theirs; anything else, the server's."""
    if Origin.UPLOAD in origins:
        return Origin.UPLOAD
    if origins and origins <= {Origin.CLIENT, Origin.DOCUMENT}:  # a few items either way
        return Origin.CLIENT if Origin.CLIENT in origins else Origin.DOCUMENT
    return Origin.SERVER
