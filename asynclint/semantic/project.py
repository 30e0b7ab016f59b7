"""What one module tells the others: the types of its module-level names.

A route file often gets its session from another module (`from app.db import get_db`,
`from app.api.deps import SessionDep`), or uses a client built elsewhere
(`from app.cache import redis_client`). Each file's summary records what its module-level
names hold; the index (asynclint.semantic.summary) answers queries for imported names,
following re-exports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.scopes import Binding, BindingKind
from asynclint.semantic.summary import (
    NO_ANSWER,
    Answer,
    Found,
    FunctionFacts,
    ModuleSummary,
    ProjectIndex,
    answers,
    may_be_project,
)

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

__all__ = [
    "NO_ANSWER",
    "Answer",
    "Found",
    "FunctionFacts",
    "ModuleSummary",
    "ProjectIndex",
    "answers",
    "may_be_project",
    "summarize",
]


def summarize(
    model: SemanticModel, lines: dict[int, int] | None = None, filename: str = ""
) -> ModuleSummary:
    """What `model`'s module tells others. With `lines` (its blocking calls' lines) also what
    its functions block on, for rules that follow calls across modules."""
    from asynclint.semantic import origins

    summary = ModuleSummary(model.module_name, filename=filename)
    if lines is not None:
        summary.functions = model.helpers.local.facts(lines)
    scope = model.module_scope
    for name, bindings in scope.bindings.items():
        if len(bindings) != 1:
            continue
        binding = bindings[0]
        if binding.kind is BindingKind.IMPORT and binding.qname:
            summary.reexports[name] = binding.qname
        elif binding.kind is BindingKind.DEF:
            result = origins.function_result_types(model, binding.value)  # type: ignore[arg-type]
            if result:
                summary.results[name] = result
        elif binding.kind is BindingKind.ASSIGN and binding.value is not None:
            if isinstance(binding.value, cst.Subscript):
                fake = Binding(BindingKind.PARAM, scope, annotation=binding.value)
                received = origins.binding_types(model, fake)
                if received:
                    summary.param_types[name] = received
                    continue
            held = origins.binding_types(model, binding)
            if held:
                summary.values[name] = held
    return summary
