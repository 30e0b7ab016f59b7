from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from asynclint.rule import Rule
from asynclint.rules._cache_keys import request_params
from asynclint.rules._loops import assignments, dependent_names, names_in, target_names
from asynclint.semantic.scopes import BindingKind, Scope, ScopeKind
from asynclint.semantic.walker import code_children, named_parameters

CONTAINERS = frozenset(
    {"builtins.dict", "builtins.list", "builtins.set", "collections.OrderedDict"}
)
DEFAULTDICT = "collections.defaultdict"
#: Calls whose value is new every time: keys made from them never repeat.
FRESH = frozenset(
    {
        "uuid.uuid1", "uuid.uuid4", "time.time", "time.time_ns", "time.monotonic",
        "time.perf_counter", "datetime.datetime.now", "datetime.datetime.utcnow",
        "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes", "builtins.id",
    }
)  # fmt: skip
GROW = frozenset({"append", "add", "extend", "insert", "update", "setdefault"})
SHRINK = frozenset({"pop", "popitem", "clear", "remove", "discard", "popleft"})


@dataclass
class Growth:
    """Where a function adds to the container, and the expressions that make the new keys."""

    scope: Scope
    keys: tuple[cst.CSTNode, ...]


class UnboundedModuleCache(Rule):
    """## What it does
    Checks for a module-level `dict`, `list`, `set`, `defaultdict` or `OrderedDict` that
    functions add to (`x[k] = v`, `x[k] += 1`, `append/add/extend/insert/update/setdefault`,
    `|=`, reading a missing key of a `defaultdict`) and that nothing bounds: no `pop`,
    `popitem`, `del x[k]`, `clear`, `remove`, `discard`, reset, or `len(x)` check in the module.
    Reported when the new keys come from request data, or are new on every call (`uuid4()`,
    `time.time()`) while nothing passed in chooses them.

    ## Why is this bad?
    A module-level dict lives as long as the worker. Keyed by request data (a user id, a cache
    key built from query parameters, a per-user `asyncio.Lock`) it gains an entry per new key
    and is never emptied: memory grows until the process is killed, and every worker holds its
    own copy. Keyed by configuration (a provider name, a configured URL) it stays small.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()
    _profiles: dict[int, dict] = {}

    @app.get("/users/{user_id}/profile")
    async def profile(user_id: int):
        if user_id not in _profiles:
            _profiles[user_id] = await load_profile(user_id)
        return _profiles[user_id]
    ```

    Use instead:
    ```python
    from cachetools import TTLCache
    from fastapi import FastAPI

    app = FastAPI()
    _profiles: TTLCache[int, dict] = TTLCache(maxsize=10_000, ttl=300)

    @app.get("/users/{user_id}/profile")
    async def profile(user_id: int):
        if user_id not in _profiles:
            _profiles[user_id] = await load_profile(user_id)
        return _profiles[user_id]
    ```

    ## References
    - [cachetools: TTLCache and LRUCache](https://cachetools.readthedocs.io/en/stable/)
    """

    code = "ASL401"
    name = "unbounded-module-cache"
    message = (
        "Module-level `{name}` grows in `{function}` and nothing evicts or bounds it: "
        "{keys}; use `cachetools.TTLCache`/`LRUCache`, or evict entries"
    )
    fix_title = "Bound it: `cachetools.TTLCache(maxsize=..., ttl=...)` or `LRUCache(maxsize=...)`"

    # The analysis reads every statement that may add to or remove from a container at once.
    collects = (cst.Assign, cst.Attribute, cst.AugAssign, cst.Del, cst.Subscript)

    def visit_Module(self, node: cst.Module) -> None:
        self.candidates = {
            name: bindings[0]
            for name, bindings in self.semantic.module_scope.bindings.items()
            if len(bindings) == 1
            and self._kind(bindings[0].value) is not None
            and bindings[0].kind is BindingKind.ASSIGN
        }
        if not self.candidates:
            return
        self.growth: dict[str, list[Growth]] = {}
        self.bounded: set[str] = set()
        for call in self.semantic.nodes(cst.Call):
            self._len(call)
        for attribute in self.semantic.nodes(cst.Attribute):
            self._method(attribute)
        for assign in self.semantic.nodes(cst.Assign):
            for target in assign.targets:
                self._store(target.target, (assign.value,), reset=True)
        for aug in self.semantic.nodes(cst.AugAssign):
            self._store(aug.target, (aug.value,), reset=False)
        for delete in self.semantic.nodes(cst.Del):
            for target in names_in(delete.target):
                self.bounded.add(target)
        for subscript in self.semantic.nodes(cst.Subscript):
            name = self._module_name(subscript.value)
            if name and self._kind(self.candidates[name].value) == DEFAULTDICT:
                self._grow(name, subscript, tuple(e.slice for e in subscript.slice))
        for name, sites in sorted(self.growth.items()):
            found = None if name in self.bounded else self._request_keys(sites)
            if found is not None:
                # Keys from configuration (a provider name, a URL) stay few: not reported.
                value = self.candidates[name].value
                function, keys = found
                self.report(self.semantic.parent_of(value), name=name, function=function, keys=keys)

    def _kind(self, value: cst.CSTNode | None) -> str | None:
        kind = type(value)  # not isinstance: final classes, and ABC checks are slow
        if kind is cst.Dict or kind is cst.List or kind is cst.Set:
            return "literal"
        if isinstance(value, cst.Call):
            qnames = self.semantic.qualified_names(value.func)
            return next(iter(sorted(qnames & (CONTAINERS | {DEFAULTDICT}))), None)
        return None

    def _module_name(self, node: cst.CSTNode) -> str | None:
        """The candidate `node` names, when the name is the module binding (not a local)."""
        if not isinstance(node, cst.Name) or node.value not in self.candidates:
            return None
        scope = self.semantic.scope_of(node)
        bindings = scope.lookup(node.value) if scope is not None else None
        return node.value if bindings and bindings[0] is self.candidates[node.value] else None

    def _grow(self, name: str, node: cst.CSTNode, keys: tuple[cst.CSTNode, ...]) -> None:
        function = getattr(self.semantic.scope_of(node), "function", None)
        if function is None or function.kind is ScopeKind.MODULE or _returns_param(function):
            return  # import-time code, or a registering decorator (`return cls`)
        self.growth.setdefault(name, []).append(Growth(function, keys))

    def _method(self, attribute: cst.Attribute) -> None:
        """`cache.setdefault(k, v)` grows; `cache.pop` called or passed on evicts."""
        name = self._module_name(attribute.value)
        if name is None:
            return
        call = self.semantic.parent_of(attribute)
        if attribute.attr.value in SHRINK:
            self.bounded.add(name)
        elif attribute.attr.value in GROW and isinstance(call, cst.Call) and call.func is attribute:
            keys = [a.value for a in call.args]
            if attribute.attr.value in ("setdefault", "insert"):  # the key; the item inserted
                keys = keys[:1] if attribute.attr.value == "setdefault" else keys[1:2]
            self._grow(name, call, tuple(keys))

    def _len(self, call: cst.Call) -> None:
        if self.semantic.resolves_to(call.func, "builtins.len") and call.args:
            name = self._module_name(call.args[0].value)
            if name:
                self.bounded.add(name)

    def _store(self, target: cst.CSTNode, values: tuple[cst.CSTNode, ...], reset: bool) -> None:
        if isinstance(target, cst.Subscript):
            name = self._module_name(target.value)
            if name:
                self._grow(name, target, tuple(e.slice for e in target.slice))
        elif isinstance(target, cst.Name) and target.value in self.candidates:
            scope = self.semantic.scope_of(target)
            if scope is None or target.value not in scope.function.declared_outer:
                return
            if reset:  # `global cache; cache = {}` empties it
                self.bounded.add(target.value)
            else:
                self._grow(target.value, target, values)

    def _request_keys(self, sites: list[Growth]) -> tuple[str, str] | None:
        """The function that grows it with keys that keep changing, and where they come from:
        request data, the arguments of a coroutine serving the app, or values new on each call.
        """
        for site in sites:
            func = site.scope.node
            carriers, where = request_params(self.semantic, func)
            read = {n for key in site.keys for n in names_in(key)}
            body = func.body  # type: ignore[attr-defined]
            params = [p for p in carriers if read & dependent_names(body, {p})]
            if params:
                shown = "`, `".join(params)
                return site.scope.name, f"its keys come from request data (`{shown}` {where})"
        for site in sites:
            call = self._fresh_keys(site)
            if call:
                return site.scope.name, f"its keys are new on every call (made from `{call}()`)"
        return None

    def _fresh_keys(self, site: Growth) -> str | None:
        """Keys made from `uuid4()`, `time.time()`... and nothing passed in: each call adds one.

        The call that makes them, if so.
        """
        func = site.scope.node
        if not isinstance(func, cst.FunctionDef):
            return None
        if self.semantic.fastapi.runs_once(func):
            return None  # a startup hook runs once
        made: dict[str, str] = {}  # name -> the call its value comes from
        for target, value, _ in assignments(func.body):
            call = self._fresh_call(value)
            if call:
                made.update(dict.fromkeys(target_names(target), call))
        keys = [part for key in site.keys for part in _key_parts(key)]
        read = {n for key in keys for n in names_in(key)}
        passed = {p.name.value for p in named_parameters(func)}
        if read & dependent_names(func.body, passed):
            return None  # the caller chooses the key, at least sometimes
        direct = next(filter(None, map(self._fresh_call, keys)), None)
        if direct:
            return direct
        sources = [n for n in sorted(made) if read & dependent_names(func.body, {n})]
        return made[sources[0]] if sources else None

    def _fresh_call(self, node: cst.CSTNode) -> str | None:
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Call):
                found = self.semantic.qualified_names(current.func) & FRESH
                if found:
                    return min(found)
            stack.extend(code_children(current))
        return None


def _key_parts(key: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of what `update(...)`/`extend(...)` add that become keys or items."""
    if isinstance(key, cst.DictComp):
        return [key.key]
    if isinstance(key, cst.Dict):
        return [e.key for e in key.elements if isinstance(e, cst.DictElement)]
    if isinstance(key, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return [key.elt]
    return [key]


def _returns_param(function: Scope) -> bool:
    """`def register(cls): REGISTRY[cls.__name__] = cls; return cls`: a decorator."""
    return any(
        isinstance(value, cst.Name)
        and any(b.kind is BindingKind.PARAM for b in function.bindings.get(value.value, ()))
        for value in function.returns
    )
