"""What one module tells the others: the types of its module-level names.

A route file often gets its session from another module (`from app.db import get_db`,
`from app.api.deps import SessionDep`), or uses a client built elsewhere
(`from app.cache import redis_client`). Each file's summary records what its module-level
names hold; the index answers queries for imported names, following re-exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.helpers import FunctionFacts
from asynclint.semantic.scopes import Binding, BindingKind
from asynclint.semantic.tables import ATTRIBUTES, CANONICAL, KNOWN_INSTANCES, RETURNS

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

_EMPTY: frozenset[str] = frozenset()
#: Packages the tables know about: their types are kept even if the project has a module of
#: the same name (an `app/redis.py` does not hide `redis.Redis`).
LIBRARY_ROOTS = frozenset(
    name.split(".", 1)[0]
    for table in (ATTRIBUTES, CANONICAL, KNOWN_INSTANCES, RETURNS)
    for pair in table.items()
    for name in pair
)


@dataclass
class ModuleSummary:
    module: str
    #: Module-level name -> the classes of the instance it holds (`redis_client = Redis()`).
    values: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Function name -> what calling it (or injecting it with Depends) gives.
    results: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Annotation alias -> what a parameter annotated with it receives (`SessionDep`).
    param_types: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Name -> the qualified name it was imported from (`from .session import get_db`).
    reexports: dict[str, str] = field(default_factory=dict)
    #: "f" / "C.m" -> what the sync function does that may block (ASL106).
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    #: The file, as messages name it.
    filename: str = ""

    def library_types_only(self, project_roots: set[str]) -> ModuleSummary:
        """Drop the project's own classes from what functions and aliases give: no rule asks
        about them across modules, and every name the index knows makes the files importing it
        run a second time. Module-level instances keep them (`cache = RedisCache()`): ASL106
        follows their methods."""

        def keep(table: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
            kept = {}
            for name, types in table.items():
                library = frozenset(
                    t
                    for t in types
                    if t.split(".", 1)[0] in LIBRARY_ROOTS
                    or t.split(".", 1)[0] not in project_roots
                )
                if library:
                    kept[name] = library
            return kept

        return ModuleSummary(
            self.module,
            self.values,  # instances of project classes too: ASL106 follows their methods
            keep(self.results),
            keep(self.param_types),
            self.reexports,
            self.functions,
            self.filename,
        )

    def __bool__(self) -> bool:
        return bool(
            self.values or self.results or self.param_types or self.reexports or self.functions
        )


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


def _suffixes(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[start:]) for start in range(len(parts))]


class ProjectIndex:
    """Summaries of every module checked in this run.

    Modules are named from the project root (`backend.app.db`), while imports name them from
    wherever the app runs (`app.db`): a module is found by its name or any dotted suffix of it,
    when that suffix is unique.
    """

    def __init__(
        self, summaries: Iterable[ModuleSummary] = (), modules: Iterable[str] = ()
    ) -> None:
        self.by_suffix: dict[str, list[ModuleSummary]] = {}
        self.to_come: dict[str, int] = {}  # suffix -> modules of the run not summarised yet
        for module in modules:
            for suffix in _suffixes(module):
                self.to_come[suffix] = self.to_come.get(suffix, 0) + 1
        for summary in summaries:
            self.add(summary)

    def add(self, summary: ModuleSummary) -> None:
        """Index a module's summary (also an empty one: its module is done)."""
        for suffix in _suffixes(summary.module):
            if self.to_come.get(suffix):
                self.to_come[suffix] -= 1
            if summary:
                self.by_suffix.setdefault(suffix, []).append(summary)

    def pending(self, qname: str) -> bool:
        """A module still to be summarised may answer `qname` (directly or by a re-export)."""
        for _ in range(6):
            module, _, name = qname.rpartition(".")
            if self.to_come.get(module):
                return True
            summary = self._module(module)
            target = summary.reexports.get(name) if summary is not None else None
            if target is None:
                return False
            qname = target
        return False

    def _module(self, name: str) -> ModuleSummary | None:
        found = self.by_suffix.get(name)
        return found[0] if found and len(found) == 1 else None

    def _lookup(self, qname: str) -> tuple[ModuleSummary, str] | None:
        for _ in range(6):  # follow re-exports, a few hops at most
            module, _, name = qname.rpartition(".")
            summary = self._module(module)
            if summary is None:
                return None
            target = summary.reexports.get(name)
            if target is None:
                return summary, name
            qname = target
        return None

    def knows(self, qname: str) -> bool:
        if self.function(qname) is not None:
            return True
        found = self._lookup(qname)
        if found is None:
            return False
        summary, name = found
        return name in summary.values or name in summary.results or name in summary.param_types

    def holds(self, qname: str) -> bool:
        """`qname` names something in a module of this run (`app.crud.get_user`)."""
        parts = qname.split(".")
        return any(".".join(parts[:end]) in self.to_come for end in range(1, len(parts)))

    def function(self, qname: str) -> tuple[FunctionFacts, str] | None:
        """The facts of a project function or method, and its file: `app.crud.get_user`,
        `app.services.UserService.get` (also through re-exports)."""
        found = self._lookup(qname)
        if found is not None and found[1] in found[0].functions:
            return found[0].functions[found[1]], found[0].filename
        owner, _, method = qname.rpartition(".")
        found = self._lookup(owner)
        if found is not None:
            facts = found[0].functions.get(f"{found[1]}.{method}")
            if facts is not None:
                return facts, found[0].filename
        return None

    def value_types(self, qname: str) -> frozenset[str]:
        found = self._lookup(qname)
        return found[0].values.get(found[1], _EMPTY) if found else _EMPTY

    def result_types(self, qname: str) -> frozenset[str]:
        found = self._lookup(qname)
        return found[0].results.get(found[1], _EMPTY) if found else _EMPTY

    def alias_param_types(self, qname: str) -> frozenset[str]:
        found = self._lookup(qname)
        return found[0].param_types.get(found[1], _EMPTY) if found else _EMPTY
