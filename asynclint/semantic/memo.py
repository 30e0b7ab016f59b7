"""Memoising per-node answers, with a guard against cycles (`x = x.child()`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
EMPTY: frozenset[str] = frozenset()


def per_node(
    memo: dict[int, frozenset[str]], node: T, compute: Callable[[T], frozenset[str]]
) -> frozenset[str]:
    """`compute(node)` once per node; a query that re-enters itself sees the empty answer."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = EMPTY
    result = compute(node)
    memo[key] = result
    return result
