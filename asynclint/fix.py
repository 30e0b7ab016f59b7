"""Fixes: what a rule proposes, and applying a set of them to a module as one LibCST transform."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from asynclint.semantic.walker import code_children

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
    # LibCST's codemod package loads its matchers (half a second): only when fixing.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

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
        before = module
        module = RemoveImportsVisitor(context).transform_module(module)
        module = _keep_leading_lines(before, module)
    return module


def _keep_leading_lines(before: cst.Module, after: cst.Module) -> cst.Module:
    """Blank lines and comments above a removed import move to the statement that follows.

    The visitor removes or trims import statements and copies the others unchanged, so the
    two bodies are matched in order, by equality.
    """
    old, new = list(before.body), list(after.body)
    carried: list[cst.EmptyLine] = []
    moved: dict[int, list[cst.EmptyLine]] = {}
    position = 0
    for index, statement in enumerate(old):
        here = new[position] if position < len(new) else None
        if here is not None and statement.deep_equals(here):
            kept = True
        elif here is not None and index + 1 < len(old) and old[index + 1].deep_equals(here):
            kept = False  # removed: the next statement is the one here
        else:
            kept = here is not None and _same_slot(statement, here)
        if kept:
            if carried:
                moved[position] = carried
                carried = []
            position += 1
        else:
            carried = [*carried, *statement.leading_lines]
    for position, lines in moved.items():
        new[position] = new[position].with_changes(
            leading_lines=[*lines, *new[position].leading_lines]
        )
    opened = new and old and not new[0].deep_equals(old[0]) and not _same_slot(old[0], new[0])
    if opened:
        # A statement that now opens the file keeps its comments, not the blank lines that
        # separated it from the import removed above it.
        lines = list(new[0].leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        if len(lines) != len(new[0].leading_lines):
            new[0] = new[0].with_changes(leading_lines=lines)
            moved[0] = lines
    return after.with_changes(body=new) if moved else after


def _same_slot(old: cst.BaseStatement, new: cst.BaseStatement) -> bool:
    """`new` is `old` with some names removed (`from a import b, c` -> `from a import b`)."""
    if not (isinstance(old, cst.SimpleStatementLine) and isinstance(new, cst.SimpleStatementLine)):
        return False
    first, second = old.body[0], new.body[0]
    if isinstance(first, cst.ImportFrom) and isinstance(second, cst.ImportFrom):
        return _dotted(first.module) == _dotted(second.module) and len(first.relative) == len(
            second.relative
        )
    if isinstance(first, cst.Import) and isinstance(second, cst.Import):
        return {_dotted(a.name) for a in second.names} <= {_dotted(a.name) for a in first.names}
    return False


def _dotted(node: cst.CSTNode | None) -> str:
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return node.value if isinstance(node, cst.Name) else ""


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
    # After the docstring, the imports, and whatever binds a name the new statements read
    # (an `import asyncio` inside a module-level `try:` too).
    needed = {n.value for statement in new for n in _names_read(statement)}
    after = 1 if body and _is_docstring(body[0]) else 0
    for index, statement in enumerate(body):
        imports = _names_read(statement, imports_only=True)
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
        ):
            after = max(after, index + 1)
        if needed & {n.value for n in imports}:
            after = max(after, index + 1)
    # Blank lines around the new statements, as a formatter would put them.
    new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine()])
    if after < len(body) and not body[after].leading_lines:
        body[after] = body[after].with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=[*body[:after], *new, *body[after:]])


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _names_read(node: cst.CSTNode, imports_only: bool = False) -> list[cst.Name]:
    """The names in `node` (with `imports_only`, the names its imports bind), nested
    function and class bodies left out."""
    found: list[cst.Name] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(current, cst.ImportAlias):
            bound = current.asname.name if current.asname else current.name
            while isinstance(bound, cst.Attribute):
                bound = bound.value
            if imports_only and isinstance(bound, cst.Name):
                found.append(bound)
            continue
        if isinstance(current, cst.Name) and not imports_only:
            found.append(current)
        stack.extend(code_children(current))
    return found


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
