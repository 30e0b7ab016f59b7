"""Memoising per-node answers, with a guard against cycles (`x = x.child()`), and knowing
which answers read what other modules say."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
EMPTY: frozenset[str] = frozenset()


class ProjectReads:
    """How many times a file's model has read what the project says (one per question, and
    one per use of a remembered answer that did)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class NodeMemo:
    """One kind of answer per node. An answer that read what the project says, directly or
    through another answer (or through one still being worked out: a cycle), is forgotten
    when the model learns another project; the others stand."""

    __slots__ = ("dependent", "pending", "reads", "values")

    def __init__(self, reads: ProjectReads) -> None:
        self.values: dict[int, frozenset[str]] = {}
        self.dependent: set[int] = set()
        self.pending: set[int] = set()
        self.reads = reads

    def forget_project(self) -> None:
        for key in self.dependent:
            self.values.pop(key, None)
        self.dependent.clear()


def per_node(memo: NodeMemo, node: T, compute: Callable[[T], frozenset[str]]) -> frozenset[str]:
    """`compute(node)` once per node; a query that re-enters itself sees the empty answer."""
    key = id(node)
    if key in memo.values:
        if key in memo.dependent or key in memo.pending:
            memo.reads.count += 1
        return memo.values[key]
    memo.values[key] = EMPTY
    memo.pending.add(key)
    before = memo.reads.count
    try:
        result = compute(node)
    finally:
        memo.pending.discard(key)
    memo.values[key] = result
    if memo.reads.count != before:
        memo.dependent.add(key)
    return result
