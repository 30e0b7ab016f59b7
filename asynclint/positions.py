"""Positions of a few nodes, without computing positions for the whole tree.

LibCST's PositionProvider records a range for every node (about 2.7x a parse). Findings are
rare, so this runs LibCST's own code generator once, records only the wanted nodes, and stops
as soon as the last of them is closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, suppress
from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

Span = tuple[tuple[int, int], tuple[int, int]]  # ((line, column), (line, column)), 1-based


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
        if state.remaining == 0:
            raise _Done


class _LocatingState(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.wanted = wanted
        self.remaining = len(wanted)
        self.found: dict[int, Span] = {}
        self._line = 1
        self._column = 0
        self._counted = 0

    def position(self) -> tuple[int, int]:
        tokens = self.tokens
        for index in range(self._counted, len(tokens)):
            token = tokens[index]
            newlines = token.count("\n") + token.count("\r") - token.count("\r\n")
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


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, Span]:
    """Map id(node) -> its syntactic span, for the given nodes of `module`."""
    wanted = {id(node) for node in nodes}
    if not wanted:
        return {}
    state = _LocatingState(module, wanted)
    with suppress(_Done):
        module._codegen(state)
    return state.found
