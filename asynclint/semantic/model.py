"""The semantic model of one file: the single place rules ask questions about code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst

from asynclint.semantic import names, origins
from asynclint.semantic.fastapi import FastAPIModel, Role, describe
from asynclint.semantic.helpers import ChainFinder, LocalFacts
from asynclint.semantic.memo import NodeMemo, ProjectReads
from asynclint.semantic.project import ProjectIndex
from asynclint.semantic.scopes import Binding, BindingKind, Scope, ScopeKind
from asynclint.semantic.summary import FunctionFacts
from asynclint.semantic.tables import THREAD_RUNNER_METHODS, THREAD_RUNNERS
from asynclint.semantic.walker import Walker


@dataclass(frozen=True)
class LoopContext:
    """Code that runs on the event loop: inside `async def`, not in a nested def/lambda/class."""

    function: Scope
    role: Role | None

    def describe(self) -> str:
        return describe(self.function, self.role)


class SemanticModel:
    """Built by one walk over the module; every query is lazy and memoised."""

    def __init__(
        self,
        module: cst.Module,
        module_name: str,
        collect: Iterable[type],
        project: ProjectIndex | None = None,
        is_package: bool = False,
    ) -> None:
        self.module = module
        self.module_name = module_name
        self.project = project
        #: Names imported from other modules whose types this file asked about, unanswered.
        #: The qualified names asked of the project index: what the findings may depend on.
        self.asked: set[tuple[str, str]] = set()  # (qualified name, asked from module)
        self.is_package = is_package
        collected = {cst.Call, cst.FunctionDef, *collect}
        result = Walker(module_name, collected, is_package).walk(module)
        self.module_scope = result.module_scope
        #: Every module the file imports, anywhere in it.
        self.imported_modules = frozenset(result.imported)
        self._scope_of = result.scope_of
        self._parent_of = result.parent_of
        self._collected = result.collected
        self._scopes = result.scopes
        self._function_scopes = {
            id(s.node): s for s in result.scopes if s.kind is ScopeKind.FUNCTION
        }
        self._methods: dict[int, list[Scope]] = {}
        for scope in result.scopes:
            parent = scope.parent
            if scope.kind is ScopeKind.FUNCTION and parent and parent.kind is ScopeKind.CLASS:
                self._methods.setdefault(id(parent), []).append(scope)
        self._reads = ProjectReads()
        self._facts_read_project = False
        self._qnames, self._types, self._results = (NodeMemo(self._reads) for _ in range(3))
        self._loop_contexts: dict[int, LoopContext | None] = {}
        self._loop_calls: dict[int, LoopContext | None] = {}

    def learn(self, project: ProjectIndex | None) -> None:
        """From now on, answer from `project`: what was worked out without it is forgotten."""
        if project is self.project:
            return
        if self._facts_read_project or (project is None) != (self.project is None):
            self.__dict__.pop("local_facts", None)
        self.project = project
        self.asked = set()
        for memo in (self._qnames, self._types, self._results):
            memo.forget_project()
        self._loop_contexts, self._loop_calls = {}, {}
        for name in ("helpers", "fastapi", "offloaded"):
            self.__dict__.pop(name, None)

    def close(self) -> None:
        """Let reference counting free the file's tree as soon as the model is dropped.

        Each binding points back at its scope, and the cached helpers at the model: cycles
        that keep the whole tree alive until the cyclic collector runs, which then costs
        about a fifth of the parse time. The model answers nothing after this.
        """
        for scope in self._scopes:
            scope.bindings = {}
        self._scopes = []
        for name in ("local_facts", "helpers", "fastapi", "offloaded"):
            self.__dict__.pop(name, None)

    # -- structure --------------------------------------------------------------------------

    def nodes(self, node_type: type) -> Sequence[cst.CSTNode]:
        return self._collected.get(node_type, ())

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        return self._scope_of.get(id(node))

    def parent_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parent_of.get(id(node))

    def methods_of(self, class_scope: Scope) -> list[Scope]:
        return self._methods.get(id(class_scope), [])

    def function_scope(self, func: cst.FunctionDef) -> Scope | None:
        return self._function_scopes.get(id(func))

    def never_suspends(self, function: cst.FunctionDef) -> bool:
        """An `async def` with no `await`, `async for` or `async with` of its own: its
        coroutine runs to the end in its first step. Not one with decorators: a decorator
        (`@retry`) may wrap it in a coroutine that awaits."""
        scope = self.function_scope(function)
        return (
            function.asynchronous is not None
            and not function.decorators
            and scope is not None
            and not scope.suspends
        )

    def function_scopes(self) -> Iterable[Scope]:
        return self._function_scopes.values()

    @cached_property
    def local_facts(self) -> LocalFacts:
        """What this file's own functions block on and call (ASL106, summaries). Kept when the
        model learns a project if working it out read nothing any project said."""
        before = self._reads.count
        facts = LocalFacts(self)
        self._facts_read_project = self._reads.count != before
        return facts

    @cached_property
    def helpers(self) -> ChainFinder:
        """Chains from calls here down to blocking calls in sync project helpers (ASL106)."""
        return ChainFinder(self)

    # -- names and origins ------------------------------------------------------------------

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        return names.qualified_names(self, node)

    def resolves_to(self, node: cst.CSTNode, qname: str) -> bool:
        return qname in names.qualified_names(self, node)

    def types_of(self, node: cst.CSTNode) -> frozenset[str]:
        return origins.types_of(self, node)

    def imported(self, kind: str, qname: str) -> frozenset[str]:
        """What another module of the project says about `qname` (kind: value/result/alias)."""
        if qname.startswith(self.module_name + "."):
            return frozenset()
        if self.project is None:
            return frozenset()
        self._reads.count += 1
        self.asked.add((qname, self.module_name))
        if kind == "value":
            return self.project.value_types(qname, self.module_name)
        if kind == "result":
            return self.project.result_types(qname, self.module_name)
        return self.project.alias_param_types(qname, self.module_name)

    def function_facts(self, qname: str) -> FunctionFacts | None:
        """What another module's summary says of its function or method `qname`."""
        if self.project is None or qname.startswith(self.module_name + "."):
            return None
        self.asked.add((qname, self.module_name))
        found = self.project.function(qname, self.module_name)
        return found[0] if found is not None else None

    def bindings_of(self, name: cst.Name) -> list[Binding]:
        """What `name` refers to where it stands (LEGB); empty when nothing binds it."""
        scope = self.scope_of(name)
        return (scope.lookup(name.value) if scope is not None else None) or []

    def binding_of(self, name: cst.Name, kind: BindingKind) -> Binding | None:
        """The one binding of `name`, when there is exactly one and it is of `kind`."""
        bindings = self.bindings_of(name)
        return bindings[0] if len(bindings) == 1 and bindings[0].kind is kind else None

    def self_class(self, name: cst.Name) -> Scope | None:
        """The class whose method `name` is the first parameter of (`self`, `cls`), used in
        that method's own body; None for a staticmethod or anything else."""
        bindings = self.bindings_of(name)
        scope = self.scope_of(name)
        if not bindings or bindings[0].kind is not BindingKind.PARAM or scope is None:
            return None
        method = bindings[0].scope
        owner, func = method.parent, method.node
        if method is not scope.function or owner is None or owner.kind is not ScopeKind.CLASS:
            return None
        if not isinstance(func, cst.FunctionDef):
            return None
        params = [*func.params.posonly_params, *func.params.params]
        if not params or params[0].name.value != name.value:
            return None
        if any(self.resolves_to(d.decorator, "builtins.staticmethod") for d in func.decorators):
            return None
        return owner

    def local_function(self, node: cst.CSTNode | None) -> cst.FunctionDef | None:
        """The `def` in this file that a name refers to, if exactly one."""
        if not isinstance(node, cst.Name):
            return None
        bindings = self.bindings_of(node)
        if not bindings:
            return None
        defs = [b.value for b in bindings if b.kind is BindingKind.DEF]
        return defs[0] if len(defs) == 1 else None  # type: ignore[return-value]

    # -- event loop and FastAPI -------------------------------------------------------------

    @cached_property
    def fastapi(self) -> FastAPIModel:
        return FastAPIModel(self)

    def loop_context(self, node: cst.CSTNode) -> LoopContext | None:
        """Where `node` runs on the event loop of a served app, else None.

        None for sync code (a sync `def` route runs in the threadpool), for nested def/lambda/
        class bodies inside a coroutine, and for scripts that run their own loop.
        """
        scope = self.scope_of(node)
        if scope is None:
            return None
        key = id(scope)
        if key not in self._loop_contexts:
            context = None
            if scope.in_async_context and not self.fastapi.is_script:
                function = scope.function
                context = LoopContext(function, self.fastapi.role(function.node))  # type: ignore[arg-type]
            self._loop_contexts[key] = context
        return self._loop_contexts[key]

    def loop_call(self, call: cst.Call) -> LoopContext | None:
        """Where `call` runs on the event loop, unless it is awaited (an awaited call is async,
        whatever an annotation claims); None otherwise. Remembered per call: every
        blocking-call rule asks."""
        key = id(call)
        if key not in self._loop_calls:
            context = self.loop_context(call)
            if context is not None and type(self.parent_of(call)) is cst.Await:
                context = None
            self._loop_calls[key] = context
        return self._loop_calls[key]

    @cached_property
    def offloaded(self) -> frozenset[int]:
        """Ids of the callables passed to a thread runner (`to_thread(fn, ...)`): no call."""
        found = set()
        for call in self.nodes(cst.Call):
            index = None
            for qname in self.qualified_names(call.func):
                index = THREAD_RUNNERS.get(qname, index)
            if index is None and isinstance(call.func, cst.Attribute):
                index = THREAD_RUNNER_METHODS.get(call.func.attr.value)
            positional = [a for a in call.args if a.keyword is None and not a.star]
            if index is not None and len(positional) > index:
                found.add(id(positional[index].value))
        return frozenset(found)

    def is_offloaded(self, node: cst.CSTNode) -> bool:
        return id(node) in self.offloaded
