"""What every blocking-call rule shares: a call table, checked in event-loop context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from asynclint.fix import Fix
from asynclint.rule import Rule
from asynclint.rules._calls import CallTable


class _BlockingCallRule(Rule):
    """A call that blocks, made on the event loop (not in a sync def, lambda or thread runner)."""

    table: ClassVar[CallTable]
    message = "`{callee}` blocks the event loop in {context}"
    requires_text = ("async",)

    def blocking_call(self, qnames: frozenset[str]) -> str | None:
        return self.table.match(qnames)

    def visit_Call(self, node: cst.Call) -> None:
        self.group_visitor((self,), node)

    @staticmethod
    def group_visitor(rules: Sequence[_BlockingCallRule], node: cst.CSTNode) -> None:
        """`visit_Call` of each of `rules`, in their order: where the call runs and what it
        calls, which each would ask first, are asked once."""
        assert isinstance(node, cst.Call)
        semantic = rules[0].semantic
        context = semantic.loop_call(node)
        if context is None:
            return
        qnames = semantic.qualified_names(node.func)
        for rule in rules:
            callee = rule.blocking_call(qnames)
            if callee is not None:
                rule.report(
                    node,
                    fix=rule.fix_for(node, callee),
                    callee=callee.removeprefix("builtins."),
                    context=context.describe(),
                )

    def fix_for(self, node: cst.Call, callee: str) -> Fix | None:
        """The fix for a blocking `callee` call; none unless the rule knows one."""
        return None
