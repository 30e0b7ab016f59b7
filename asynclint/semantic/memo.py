"""Memoising per-node answers, with a guard against cycles (`x = x.child()`), and knowing
which answers read what other modules say."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
M = TypeVar("M")
EMPTY: frozenset[str] = frozenset()


class ProjectReads:
    """How many times a file's model has read what the project says (one per question, and
    one per use of a remembered answer that did); and the questions still open, shared by
    the model's memos (a cycle may run through several kinds of answer)."""

    __slots__ = ("count", "open", "partial")

    def __init__(self) -> None:
        self.count = 0
        #: Per open question, innermost last: the depth of the outermost open question its
        #: answer has read so far (its own depth when it read none).
        self.open: list[int] = []
        #: Answers worked out from an open question's empty stand-in: kept while the
        #: outermost question is open (so a cycle is not worked out again and again), then
        #: forgotten, so that asking again gives the whole answer whatever was asked first.
        self.partial: list[tuple[NodeMemo, int]] = []


class NodeMemo:
    """One kind of answer per node. An answer that read what the project says, directly or
    through another answer (or through one still being worked out: a cycle), is forgotten
    when the model learns another project; the others stand."""

    __slots__ = ("dependent", "low", "pending", "reads", "values")

    def __init__(self, reads: ProjectReads) -> None:
        self.values: dict[int, frozenset[str]] = {}
        self.dependent: set[int] = set()
        #: Node being worked out -> its depth among the open questions.
        self.pending: dict[int, int] = {}
        #: Partial answer -> the depth of the outermost open question it read.
        self.low: dict[int, int] = {}
        self.reads = reads

    def forget_project(self) -> None:
        for key in self.dependent:
            self.values.pop(key, None)
        self.dependent.clear()


def per_node(
    memo: NodeMemo, model: M, node: T, compute: Callable[[M, T], frozenset[str]]
) -> frozenset[str]:
    """`compute(model, node)` once per node; a query that re-enters itself sees the empty
    answer.

    An answer that saw the empty stand-in of a question asked before it (`f` returns `g()`,
    `g` returns `f()`: asked about `f`, `g` sees `f` empty) is partial: it is forgotten once
    the first question is answered, so the answer never depends on what was asked first.
    """
    key = id(node)
    if key in memo.values:
        if key not in memo.dependent and key not in memo.pending and key not in memo.low:
            return memo.values[key]  # most questions: answered before, from this file alone
        shared = memo.reads
        if key in memo.dependent or key in memo.pending:
            shared.count += 1
        seen = memo.pending.get(key, memo.low.get(key))
        if seen is not None and shared.open and seen < shared.open[-1]:
            shared.open[-1] = seen
        return memo.values[key]
    shared = memo.reads
    depth = len(shared.open)
    memo.values[key] = EMPTY
    memo.pending[key] = depth
    shared.open.append(depth)
    before = shared.count
    try:
        result = compute(model, node)
    finally:
        del memo.pending[key]
        low = shared.open.pop()
    memo.values[key] = result
    if shared.count != before:
        memo.dependent.add(key)
    if low < depth:
        memo.low[key] = low
        shared.partial.append((memo, key))
        if low < shared.open[-1]:
            shared.open[-1] = low
    elif not shared.open and shared.partial:
        for owner, partial in shared.partial:
            owner.values.pop(partial, None)
            owner.low.pop(partial, None)
        shared.partial.clear()
    return result
