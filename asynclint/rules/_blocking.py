"""What every blocking-call rule shares: a call table, checked in event-loop context."""

from __future__ import annotations

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
        context = self.semantic.loop_call(node)
        if context is None:
            return
        callee = self.blocking_call(self.semantic.qualified_names(node.func))
        if callee is not None:
            self.report(
                node,
                fix=self.fix_for(node, callee),
                callee=callee.removeprefix("builtins."),
                context=context.describe(),
            )

    def fix_for(self, node: cst.Call, callee: str) -> Fix | None:
        """The fix for a blocking `callee` call; none unless the rule knows one."""
        return None
