"""Positions of a few nodes, without computing positions for the whole tree.

LibCST's PositionProvider records a range for every node (about 2.7x a parse). Findings are
rare, so this runs LibCST's own code generator over the innermost statement around each wanted
node only, and records just those nodes. The statement's code is found in the file's text
(it must occur exactly once at the start of a line, else its enclosing statement is found
first and the search narrowed to it); anything ambiguous falls back to generating the whole
module up to the last wanted node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, suppress
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

Span = tuple[tuple[int, int], tuple[int, int]]  # ((line, column), (line, column)), 1-based
ParentOf = Callable[[cst.CSTNode], "cst.CSTNode | None"]


class _Done(Exception):
    pass


class _Nothing(AbstractContextManager):
    def __exit__(self, *exc: object) -> None:
        return None


_NOTHING = _Nothing()


class _Record(AbstractContextManager):
    def __init__(self, state: _LocatingState, node: cst.CSTNode) -> None:
        self.state = state
        self.node = node

    def __enter__(self) -> None:
        self.start = self.state.position()

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            return
        state = self.state
        state.found[id(self.node)] = (self.start, state.position())
        state.remaining -= 1
        if state.remaining == 0 and state.stop_when_found:
            raise _Done


class _LocatingState(CodegenState):
    """LibCST's code generator, counting lines and columns, noting only the wanted nodes."""

    def __init__(
        self,
        module: cst.Module,
        wanted: set[int],
        indents: Sequence[str] = (),
        stop_when_found: bool = True,
    ) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.indent_tokens.extend(indents)
        self.wanted = wanted
        self.remaining = len(wanted)
        self.stop_when_found = stop_when_found
        self.found: dict[int, Span] = {}
        self._line = 1
        self._column = 0
        self._counted = 0

    def position(self) -> tuple[int, int]:
        tokens = self.tokens
        for index in range(self._counted, len(tokens)):
            token = tokens[index]
            newlines = _newlines(token)
            if newlines:
                self._line += newlines
                self._column = len(token) - max(token.rfind("\n"), token.rfind("\r")) - 1
            else:
                self._column += len(token)
        self._counted = len(tokens)
        return (self._line, self._column + 1)

    def record_syntactic_position(self, node: cst.CSTNode, **_: Any) -> AbstractContextManager:
        if id(node) in self.wanted and id(node) not in self.found:
            return _Record(self, node)
        return _NOTHING


def _newlines(text: str, end: int | None = None) -> int:
    """Line breaks in text[:end], counted as LibCST does (\\n, \\r\\n and a lone \\r)."""
    return text.count("\n", 0, end) + text.count("\r", 0, end) - text.count("\r\n", 0, end)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `text[offset]`, lines broken as LibCST breaks them."""
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    return _newlines(text, offset) + 1, offset - start + 1


def locate(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    parent_of: ParentOf | None = None,
    text: str | None = None,
) -> dict[int, Span]:
    """Map id(node) -> its syntactic span, for the given nodes of `module`.

    With the tree's `parent_of` and the file's `text`, only the statements around the nodes are
    generated; without them (or when a statement cannot be placed) the whole module is.
    """
    wanted = {id(node): node for node in nodes}
    if not wanted:
        return {}
    if parent_of is not None and text is not None:
        found = _Statements(module, parent_of, text).locate(list(wanted.values()))
        if found is not None:
            return found
    state = _LocatingState(module, set(wanted))
    with suppress(_Done):
        module._codegen(state)
    return state.found


class _Statements:
    """Places statements in the file's text by their generated code."""

    def __init__(self, module: cst.Module, parent_of: ParentOf, text: str) -> None:
        self.module = module
        self.parent_of = parent_of
        self.text = text
        self.offsets: dict[int, tuple[int, int] | None] = {}  # id(statement) -> (start, end)

    def locate(self, nodes: list[cst.CSTNode]) -> dict[int, Span] | None:
        groups: dict[int, tuple[list[cst.CSTNode], set[int]]] = {}
        for node in nodes:
            path = self._statements_around(node)
            if not path:
                return None
            groups.setdefault(id(path[-1]), (path, set()))[1].add(id(node))
        found: dict[int, Span] = {}
        for path, wanted in groups.values():
            # The innermost statement that can be placed; an ambiguous one (`return None`
            # twice in a function) is located inside its enclosing statement instead.
            for depth in range(len(path) - 1, -1, -1):
                placed = self._generate(path[: depth + 1], wanted)
                if placed is not None:
                    break
            else:
                return None
            start, state = placed
            if len(state.found) != len(wanted):
                return None
            shift = _newlines(self.text, start)
            for key, ((row, column), (end_row, end_column)) in state.found.items():
                found[key] = ((row + shift, column), (end_row + shift, end_column))
        return found

    def _statements_around(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """The statements that contain `node`, outermost first."""
        path: list[cst.CSTNode] = []
        current: cst.CSTNode | None = node
        while current is not None and current is not self.module:
            parent = self.parent_of(current)
            # An `elif` generates as `if` on its own: only its whole `if` chain can be placed.
            elif_ = isinstance(current, cst.If) and isinstance(parent, cst.If)
            if isinstance(current, cst.BaseStatement) and not elif_:
                path.append(current)
            current = parent
        return path[::-1] if current is self.module else []

    def _indents(self, statement: cst.CSTNode) -> list[str]:
        indents: list[str] = []
        current = self.parent_of(statement)
        while current is not None and current is not self.module:
            if isinstance(current, cst.IndentedBlock):
                indent = current.indent
                indents.append(self.module.default_indent if indent is None else indent)
            current = self.parent_of(current)
        return indents[::-1]

    def _place(self, path: list[cst.CSTNode], code: str) -> int | None:
        """Where the last statement of `path`, whose code is `code`, starts in the text.

        The code is searched without its final line break: the file's last line may have none.
        """
        code = code.removesuffix("\n").removesuffix("\r")
        start = self._unique(code, 0, len(self.text))
        if start is not None or len(path) < 2:
            return start
        outer = self._span(path[:-1])
        return None if outer is None else self._unique(code, *outer)

    def _span(self, path: list[cst.CSTNode]) -> tuple[int, int] | None:
        if id(path[-1]) not in self.offsets:
            self._generate(path)
        return self.offsets[id(path[-1])]

    def _generate(
        self, path: list[cst.CSTNode], wanted: set[int] | None = None
    ) -> tuple[int, _LocatingState] | None:
        """Generate the last statement of `path`, noting the `wanted` nodes on the way, and
        place it in the text: where it starts, and what was noted; None if it cannot be
        placed. One generation both places the statement and locates the nodes in it."""
        statement = path[-1]
        state = _LocatingState(self.module, wanted or set(), self._indents(statement), False)
        statement._codegen(state)
        code = "".join(state.tokens)
        start = self._place(path, code)
        self.offsets[id(statement)] = None if start is None else (start, start + len(code))
        return None if start is None else (start, state)

    def _unique(self, code: str, low: int, high: int) -> int | None:
        """The one place in text[low:high] where `code` fills whole lines, if there is just one."""
        text, where, start = self.text, None, low
        while True:
            start = text.find(code, start, high)
            if start < 0:
                return where
            end = start + len(code)
            if (start == 0 or text[start - 1] in "\r\n") and (
                end == len(text) or text[end] in "\r\n"
            ):
                if where is not None:
                    return None
                where = start
            start += 1


def enclosing_scope(node: cst.CSTNode, parent_of: ParentOf) -> str:
    """The functions and classes around `node`, outermost first: `Class.method`, `<module>`."""
    names: list[str] = []
    current = parent_of(node)
    while current is not None:
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            names.append(current.name.value)
        current = parent_of(current)
    return ".".join(reversed(names)) or "<module>"
