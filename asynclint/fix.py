"""Fixes: what a rule proposes, and applying a set of them to a module as one LibCST transform."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

Replacement = cst.CSTNode | cst.FlattenSentinel | cst.RemovalSentinel


class Applicability(enum.Enum):
    """How far a fix can be trusted, in ruff's terms."""

    SAFE = "safe"  # keeps behaviour: applied by `asynclint fix`
    UNSAFE = "unsafe"  # may change behaviour: applied with `--unsafe-fixes`
    DISPLAY_ONLY = "display-only"  # shown, never applied


@dataclass(frozen=True)
class Import:
    """`import module`, or `from module import obj [as asname]`."""

    module: str
    obj: str | None = None
    asname: str | None = None


@dataclass(frozen=True)
class Fix:
    """Replace `node` (by identity) with `replacement`.

    `imports` are added through LibCST's AddImportsVisitor; `unused_imports` are removed by its
    RemoveImportsVisitor only when nothing uses them any more; `module_statements` (source of
    one simple statement each, binding one name) are added after the module's imports unless
    the module already binds that name.
    """

    node: cst.CSTNode
    replacement: Replacement
    applicability: Applicability
    imports: tuple[Import, ...] = ()
    unused_imports: tuple[Import, ...] = ()
    module_statements: tuple[str, ...] = ()
    #: More (node, replacement) pairs made together with the main one (`resp.ok` elsewhere).
    more_edits: tuple[tuple[cst.CSTNode, Replacement], ...] = ()

    @property
    def edits(self) -> tuple[tuple[cst.CSTNode, Replacement], ...]:
        return ((self.node, self.replacement), *self.more_edits)

    def allowed(self, unsafe: bool) -> bool:
        if self.applicability is Applicability.SAFE:
            return True
        return unsafe and self.applicability is Applicability.UNSAFE


class _Replace(cst.CSTTransformer):
    def __init__(self, fixes: Sequence[Fix]) -> None:
        super().__init__()
        self.by_node = {id(node): new for fix in fixes for node, new in fix.edits}

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Replacement:
        return self.by_node.get(id(original_node), updated_node)


def apply_fixes(module: cst.Module, fixes: Sequence[Fix]) -> cst.Module:
    """`module` with the (non-overlapping) fixes applied and their imports settled."""
    module = module.visit(_Replace(fixes))
    module = _add_module_statements(module, [s for f in fixes for s in f.module_statements])
    context = CodemodContext()
    imports = {i for f in fixes for i in f.imports}
    for imp in sorted(imports, key=lambda i: (i.module, i.obj or "", i.asname or "")):
        AddImportsVisitor.add_needed_import(context, imp.module, imp.obj, imp.asname)
    if imports:
        module = AddImportsVisitor(context).transform_module(module)
    unused = {i for f in fixes for i in f.unused_imports}
    for imp in sorted(unused, key=lambda i: (i.module, i.obj or "", i.asname or "")):
        RemoveImportsVisitor.remove_unused_import(context, imp.module, imp.obj, imp.asname)
    if unused:
        module = RemoveImportsVisitor(context).transform_module(module)
    return module


def _add_module_statements(module: cst.Module, sources: list[str]) -> cst.Module:
    bound = _module_names(module)
    new: list[cst.BaseStatement] = []
    for source in dict.fromkeys(sources):
        statement = cst.parse_statement(source, config=module.config_for_parsing)
        names = _statement_names(statement)
        if names and not names & bound:
            new.append(statement)
            bound |= names
    if not new:
        return module
    body = list(module.body)
    after = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
        ):
            after = index + 1
    # Blank lines around the new statements, as a formatter would put them.
    new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine()])
    if after < len(body) and not body[after].leading_lines:
        body[after] = body[after].with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=[*body[:after], *new, *body[after:]])


def _module_names(module: cst.Module) -> set[str]:
    return {name for statement in module.body for name in _statement_names(statement)}


def _statement_names(statement: cst.BaseStatement) -> set[str]:
    names: set[str] = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        names.add(statement.name.value)
    return names
