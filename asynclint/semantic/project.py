"""What one module tells the others: the types of its module-level names.

A route file often gets its session from another module (`from app.db import get_db`,
`from app.api.deps import SessionDep`), or uses a client built elsewhere
(`from app.cache import redis_client`). Each file's summary records what its module-level
names hold; the index (asynclint.semantic.summary) answers queries for imported names,
following re-exports.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.positions import enclosing_scope
from asynclint.semantic.routes import route_facts
from asynclint.semantic.scopes import Binding, BindingKind
from asynclint.semantic.startup import startup_facts
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
from asynclint.semantic.tables import APPLICATIONS
from asynclint.semantic.walker import imported_from

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
    its functions do (block on, never suspend), for rules that follow calls across modules."""
    from asynclint.semantic import origins

    summary = ModuleSummary(model.module_name, filename=filename)
    _reach_facts(model, summary)
    if lines is not None:
        summary.functions = model.local_facts.facts(lines)
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


_VALUE = attrgetter("value")
#: Node types the summary reads besides those the rules ask for.
SUMMARY_NODES = (cst.Name,)
#: Calls that import modules by name: plugin registries, autodiscovery.
_LOADERS = frozenset(
    {
        "importlib.import_module",
        "importlib.__import__",
        "builtins.__import__",
        "importlib.util.spec_from_file_location",
        "importlib.util.module_from_spec",
        "pkgutil.iter_modules",
        "pkgutil.walk_packages",
    }
)


def _reach_facts(model: SemanticModel, summary: ModuleSummary) -> None:
    """What tells whether the module's code can run, and when: what it imports and reads,
    which of its definitions are registered by decorators or scheduled on a timer, what its
    startup code calls, and whether it starts an app or a script."""
    summary.imports = model.imported_modules
    jobs: set[str] = set()
    for call in model.nodes(cst.Call):  # type: ignore[attr-defined]
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _CALLS_ASKED:
            continue  # `x.method(...)`: most calls, and resolving them costs
        called = model.qualified_names(func)
        summary.loads_modules = summary.loads_modules or bool(called & _LOADERS)
        if any(_scheduler_method(q, "add_job") for q in called):
            jobs |= _scheduled(model, call)  # type: ignore[arg-type]
    summary.names = frozenset(map(_VALUE, model.nodes(cst.Name)))
    decorated, plain, classes, functions = set(), set(), set(), set()
    for statement in model.module.body:
        if isinstance(statement, cst.FunctionDef):
            functions.add(statement.name.value)
        if isinstance(statement, cst.ClassDef):
            classes.add(statement.name.value)
            if not statement.bases and not statement.keywords:
                plain.add(statement.name.value)
            if statement.decorators:
                decorated.add(statement.name.value)
            owner, members = f"{statement.name.value}.", statement.body.body
        elif isinstance(statement, cst.If) and _is_main_guard(statement.test):
            summary.entry = True
            continue
        else:
            owner, members = "", (statement,)
        for member in members:
            if isinstance(member, cst.FunctionDef) and member.decorators:
                decorated.add(f"{owner}{member.name.value}")
                if any(_timer(model, d.decorator) for d in member.decorators):
                    jobs.add(f"{model.module_name}.{owner}{member.name.value}")
    summary.decorated, summary.plain_classes = frozenset(decorated), frozenset(plain)
    summary.classes, summary.functions_defined = frozenset(classes), frozenset(functions)
    summary.stars = _star_imports(model)
    summary.jobs = frozenset(jobs)
    summary.startup_calls, summary.startup_only = startup_facts(model, summary.names)
    summary.imported_as = frozenset(
        binding.qname.rpartition(".")[2]
        for scope in (model.module_scope, *model.function_scopes())
        for name, bindings in scope.bindings.items()
        for binding in bindings
        if binding.kind is BindingKind.IMPORT
        and binding.qname
        and binding.qname.rpartition(".")[2] != name
    )
    summary.routers, summary.registrations = route_facts(model)
    from asynclint.semantic import origins

    for bindings in model.module_scope.bindings.values():
        binding = bindings[0]
        if len(bindings) == 1 and binding.kind is BindingKind.ASSIGN:
            summary.app = summary.app or bool(origins.binding_types(model, binding) & APPLICATIONS)
    summary.entry = summary.entry or summary.app


#: Decorators that run a function on a timer.
_TIMERS = frozenset(
    {
        "fastapi_utils.tasks.repeat_every",
        "fastapi_utilities.repeat_every",
        "fastapi_utils.repeat_every",
    }
)


def _scheduled(model: SemanticModel, call: cst.Call) -> frozenset[str]:
    """The function an APScheduler `add_job(func, ...)` schedules, by qualified name."""
    target = next(
        (a.value for a in call.args if a.keyword is None or a.keyword.value == "func"), None
    )
    return _callable_names(model, target) if target is not None else frozenset()


#: The method names of the calls `_reach_facts` looks for: loaders and `scheduler.add_job`.
_CALLS_ASKED = frozenset({q.rpartition(".")[2] for q in _LOADERS} | {"add_job"})


def _scheduler_method(qname: str, method: str) -> bool:
    return qname.startswith("apscheduler.") and qname.endswith(f".{method}")


def _timer(model: SemanticModel, decorator: cst.BaseExpression) -> bool:
    func = decorator.func if isinstance(decorator, cst.Call) else decorator
    names = model.qualified_names(func)
    return bool(names & _TIMERS) or any(_scheduler_method(q, "scheduled_job") for q in names)


def _callable_names(model: SemanticModel, node: cst.BaseExpression) -> frozenset[str]:
    """`nightly` -> `app.jobs.nightly`; `self.check` in a method of `Worker` -> `m.Worker.check`."""
    names = model.qualified_names(node)
    if names:
        return names
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        owner = enclosing_scope(node, model.parent_of).split(".")[0]
        return frozenset({f"{model.module_name}.{owner}.{node.attr.value}"})
    return frozenset()


def _star_imports(model: SemanticModel) -> tuple[str, ...]:
    """The modules `from x import *` lines at module level import everything from."""
    found = []
    for statement in model.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for line in statement.body:
            if isinstance(line, cst.ImportFrom) and isinstance(line.names, cst.ImportStar):
                base = imported_from(line, model.module_name, model.is_package)
                if base:
                    found.append(base)
    return tuple(found)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = (test.left, test.comparisons[0].comparator)
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__" for s in sides
    )
