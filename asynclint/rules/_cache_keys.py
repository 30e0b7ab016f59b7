"""Where the keys of a growing cache come from: request data, or something else (ASL401)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from asynclint.rules._loops import dependent_names, names_in
from asynclint.semantic.tables import REQUEST_TYPES as REQUEST
from asynclint.semantic.walker import named_parameters

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel


def request_params(
    semantic: SemanticModel, func: cst.CSTNode, callers: bool = True
) -> tuple[list[str], str]:
    """Parameters of `func` that hold request data, and how to say where they come from."""
    name = getattr(getattr(func, "name", None), "value", "<lambda>")
    role = semantic.fastapi.role(func)  # type: ignore[arg-type]
    params = _params(func)
    if role is not None and role.per_request:
        names = [p.name.value for p in params if p.name.value not in ("self", "cls")]
        return names, f"of {role.value} `{name}`"
    found = [
        p.name.value
        for p in params
        if p.annotation and semantic.qualified_names(p.annotation.annotation) & REQUEST
    ]
    if found or not callers:
        return found, f"of `{name}`"
    for call in semantic.nodes(cst.Call):
        scope = semantic.scope_of(call)
        if semantic.local_function(call.func) is not func or scope is None:
            continue
        caller = scope.function.node
        carriers, where = request_params(semantic, caller, callers=False)
        varying = dependent_names(caller.body, set(carriers)) if carriers else set()  # type: ignore[attr-defined]
        for index, arg in enumerate(a for a in call.args if not a.star):
            if set(names_in(arg.value)) & varying:
                keyword = arg.keyword.value if arg.keyword else None
                positional = params[index].name.value if index < len(params) else None
                found.append(keyword or positional or "")
        if found:
            return found, f"passed to `{name}` from {where.removeprefix('of ')}"
    return [], ""


def _params(func: cst.CSTNode) -> list[cst.Param]:
    return named_parameters(func) if isinstance(func, (cst.FunctionDef, cst.Lambda)) else []
