"""Which code of a project can run at all.

The lifecycle, query, memory and framework rules judge costs paid while the app serves; a
module nothing running imports or a class nothing uses costs nothing, and reading such findings
is what made readers of real code call them false alarms (orphaned services, backup copies of
routers, the services of a router nobody mounts). Their findings there are dropped. Judged from
the summaries of the whole project, by imports and names, so it errs towards keeping a finding:
any use of a name anywhere counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from asynclint.diagnostic import Diagnostic
from asynclint.semantic.summary import ModuleSummary, module_suffixes, nearest

#: The rules whose findings are dropped in code nothing runs (the lifecycle, query, memory
#: and framework rules; the blocking-call rules report wherever the code is).
REACHABLE_ONLY = ("ASL2", "ASL3", "ASL4", "ASL5")
#: The rules whose findings are dropped in functions scheduled on a timer (their cost is
#: paid off every request path).
OFF_REQUEST = ("ASL301", "ASL302")
#: The rules whose findings are dropped in functions only startup code calls (a client
#: built, a task started, a query run once while the app starts); in the hooks themselves the
#: rules know it from the file.
AT_STARTUP = ("ASL201", "ASL202", "ASL301", "ASL302", "ASL503")
#: A route of an app: (methods, path, (module, function), mounted for sure).
_Route = tuple[tuple[str, ...], str, tuple[str, str], bool]
#: A path parameter: `{id}`, not `{path:path}` (a converter matches differently).
_PARAMETER = re.compile(r"\{[^}:]+\}")
#: Modules named like this are what a server imports to serve requests (`uvicorn main:app`).
#: Scripts, CLIs, worker processes and tests (`__main__`, `cli`, `manage`, `worker`,
#: `celery`, `conftest`, a `__main__` block) start too, but serve no request: code only
#: they reach is off every request path. A package's `__init__` runs when a module of the
#: package runs (`uvicorn pkg:app` also imports the module that builds `app`), not before.
SERVER_STEMS = frozenset({"main", "app", "api", "application", "asgi", "wsgi", "server"})
#: ASGI servers and adapters: a module that imports one starts serving (`uvicorn.run(...)`,
#: `Mangum(create_app())`).
SERVERS = frozenset({"uvicorn", "hypercorn", "granian", "gunicorn", "daphne", "mangum"})


class Reach:
    """Which modules run and which classes are used, from every module's summary; keeps only
    those answers (it is kept in the cache with the project's shape)."""

    def __init__(self, summaries: Iterable[ModuleSummary]) -> None:
        self.summaries = {summary.module: summary for summary in summaries}
        #: Module suffix (`app.db`) -> the modules it may name.
        self.by_suffix: dict[str, list[str]] = {}
        for module in self.summaries:
            for suffix in module_suffixes(module):
                self.by_suffix.setdefault(suffix, []).append(module)
        #: Code is judged only where the project builds an app and imports its own modules (a
        #: folder of scripts imports none of the others).
        self.judge_modules = any(s.app for s in self.summaries.values()) and any(
            prefix in self.by_suffix
            for summary in self.summaries.values()
            for name in summary.imports
            for prefix in _prefixes(name)
        )
        self.modules = frozenset(self.summaries)
        self.jobs = frozenset().union(*(summary.jobs for summary in self.summaries.values()))
        self.running = self._running() if self.judge_modules else set()
        self.unused = self._unused_classes()
        self.startup = self._startup()
        self.shadowed = self._shadowed() if self.judge_modules else frozenset()
        del self.summaries, self.by_suffix

    def _unused_classes(self) -> dict[str, frozenset[str]]:
        """Module -> its classes without bases or decorators that no running code names (a
        class only a CLI script uses is not used while the app serves)."""
        plain = {
            module: summary.plain_classes - summary.decorated
            for module, summary in self.summaries.items()
            if summary.plain_classes - summary.decorated
        }
        wanted = frozenset().union(*plain.values())
        named: set[str] = set()
        for module, summary in self.summaries.items():
            if not self.running or module in self.running:
                named |= wanted & summary.names
        return {module: frozenset(classes - named) for module, classes in plain.items()}

    def _startup(self) -> frozenset[tuple[str, str]]:
        """(module, function) pairs that only startup code calls: what the hooks call, and
        what those call in turn, as long as no other code of the project names them."""
        resolved: dict[tuple[str, str], tuple[str, str] | None] = {}

        def targets(module: str, caller: str) -> set[tuple[str, str]]:
            found = set()
            for key in self.summaries[module].startup_calls.get(caller, ()):
                if (key, module) not in resolved:
                    resolved[key, module] = self._resolve(key, module)
                target = resolved[key, module]
                if target is not None and self._callable(*target):
                    found.add(target)
            return found

        roots = {t for module in self.summaries for t in targets(module, "")}
        reachable, waiting = set(roots), list(roots)
        while waiting:  # everything the hooks may reach, before asking who else names it
            for target in targets(*waiting.pop()):
                if target not in reachable:
                    reachable.add(target)
                    waiting.append(target)
        readers = self._readers({_named(function) for _, function in reachable})
        accepted: set[tuple[str, str]] = set()
        grown = True
        while grown:  # a helper's callees count once the helper does
            grown = False
            frontier = roots.union(*(targets(*t) for t in accepted))
            for target in frontier - accepted:
                if self._only_at_startup(target[1], readers, accepted):
                    accepted.add(target)
                    grown = True
        return frozenset(accepted)

    def _callable(self, module: str, function: str) -> bool:
        """A function (`f`) or a method (`C.m`) of `module`: not a class (`C(...)` builds
        one, whose methods anything may call later)."""
        parts = function.split(".")
        return len(parts) == 2 or (
            len(parts) == 1 and function not in self.summaries[module].classes
        )

    def _readers(self, names: set[str]) -> dict[str, list[str] | None]:
        """For each of `names`: the modules that read it, or None when one imports it under
        another name (its callers cannot be told by name)."""
        found: dict[str, list[str] | None] = {name: [] for name in names}
        for module, summary in self.summaries.items():
            for name in summary.imported_as & names:
                found[name] = None
            for name in summary.names & names:
                modules = found[name]
                if modules is not None:
                    modules.append(module)
        return found

    def _only_at_startup(
        self,
        function: str,
        readers: dict[str, list[str] | None],
        accepted: set[tuple[str, str]],
    ) -> bool:
        """Every module that names `f` (or, for a method `C.m`, its class) only calls it (or
        only calls `C`'s methods) from startup code: its hooks, or functions already taken
        as startup code."""
        name = _named(function)
        token = name if "." not in function else f"{name}."
        modules = readers.get(name)
        if modules is None:
            return False
        for module in modules:
            helpers = self.summaries[module].startup_only.get(token)
            if helpers is None or any((module, h) not in accepted for h in helpers):
                return False
        return True

    def _shadowed(self) -> frozenset[tuple[str, str]]:
        """(module, function) pairs of routes an earlier route of every app that serves them
        answers first (same path and methods), which no code names otherwise."""
        served: set[tuple[str, str]] = set()
        hidden: set[tuple[str, str]] = set()
        for module, summary in self.summaries.items():
            for kind, owner, what, _, _ in summary.registrations:
                if kind == "include?" and owner not in summary.routers:
                    # Into an app a factory builds, or one this pass cannot see: it may serve.
                    target = self._resolve(what, module)  # type: ignore[arg-type]
                    if target is not None and "." not in target[1]:
                        served.update(where for *_, where, _ in self._routes(*target, 1))
            for name, (_, is_app) in summary.routers.items():
                if not is_app:
                    continue
                answered: dict[str, set[str]] = {}
                for methods, path, where, certain in self._routes(module, name, 0):
                    if not methods or "?" in methods:  # methods not known: hides nothing
                        served.add(where)
                        continue
                    path = _PARAMETER.sub("{}", path)  # `/{id}` and `/{user_id}` match alike
                    if set(methods) <= answered.get(path, set()):
                        hidden.add(where)
                    else:
                        served.add(where)
                    if certain:
                        answered.setdefault(path, set()).update(methods)
        unreached = hidden - served
        readers = self._readers({function for _, function in unreached})
        return frozenset(pair for pair in unreached if readers[pair[1]] == [])

    def _routes(self, module: str, router: str, depth: int) -> list[_Route]:
        """The routes of `router` in `module`, in order, with those of the routers it
        includes: (methods, path, (module, function), mounted for sure)."""
        summary = self.summaries[module]
        if depth > 8 or router not in summary.routers:
            return []
        prefix = summary.routers[router][0]
        found: list[_Route] = []
        for kind, owner, what, path, function in summary.registrations:
            if owner != router:
                continue
            if kind == "route":
                found.append((what, prefix + path, (module, function), True))  # type: ignore[arg-type]
                continue
            target = self._resolve(what, module)  # type: ignore[arg-type]
            if target is not None and "." not in target[1]:
                for methods, below, where, certain in self._routes(*target, depth + 1):
                    found.append(
                        (methods, prefix + path + below, where, certain and kind == "include")
                    )
        return found

    def _resolve(
        self, key: str, near: str, hops: int = 6, seen: frozenset[str] = frozenset()
    ) -> tuple[str, str] | None:
        """The module and function `key` names as module `near` calls it
        (`app.services.Scheduler.start` -> (`app.services.scheduler`, `Scheduler.start`)),
        following re-exports, also those of `from .scheduler import *`."""
        for _ in range(hops):  # a few hops at most
            parts = key.split(".")
            for end in range(len(parts) - 1, 0, -1):
                module = self._pick(".".join(parts[:end]), near)
                if module is not None:
                    break
            else:
                return None
            rest, summary = parts[end:], self.summaries[module]
            target = summary.reexports.get(rest[0])
            if target is None and summary.stars and not summary.defines(rest[0]):
                for star in reversed(summary.stars):  # the last one binds the name
                    if star in seen:
                        continue
                    found = self._resolve(".".join([star, *rest]), module, hops - 1, seen | {star})
                    if found is not None and self.summaries[found[0]].defines(
                        found[1].partition(".")[0]
                    ):
                        return found
            if target is None:
                return module, ".".join(rest)
            key, near = ".".join([target, *rest[1:]]), module
        return None

    def _pick(self, name: str, near: str) -> str | None:
        """The module an import of `name` in module `near` means: the only one of that name
        (or dotted suffix), else the nearest among those of `near`'s top package."""
        meant = _meant(self.by_suffix.get(name, []), near)
        return meant[0] if len(meant) == 1 else None

    def _starts(self, module: str) -> bool:
        """The module is where a server starts serving: it builds an app, is named like the
        module a server imports, or starts a server itself (it imports `uvicorn`,
        `mangum`...)."""
        summary = self.summaries[module]
        return (
            summary.app
            or module.rpartition(".")[2] in SERVER_STEMS
            or any(name.partition(".")[0] in SERVERS for name in summary.imports)
        )

    def _running(self) -> set[str]:
        """The modules that run while the app serves: those it starts from, and every module
        a running module imports (and the packages above it), followed to the end. An import
        that names several modules equally well (no single nearest) runs them all. A running
        module that loads modules by name (a plugin registry's
        `importlib.import_module(f"tools.{name}")`) runs every module next to it or below it;
        a registry nothing running imports loads nothing (an eval harness's suites)."""
        running: set[str] = set()
        waiting: list[str] = []

        def run(module: str) -> None:  # and the packages above it, whose `__init__` runs first
            for name in _prefixes(module):
                if name in self.summaries and name not in running:
                    running.add(name)
                    waiting.append(name)

        for module in self.summaries:
            if self._starts(module):
                run(module)
        while waiting:
            importer = waiting.pop()
            summary = self.summaries[importer]
            named = {prefix for name in summary.imports for prefix in _prefixes(name)}
            if summary.loads_modules:
                package = importer.rpartition(".")[0] + "."
                for module in self.summaries:
                    if module.startswith(package):
                        run(module)
            for name in named:
                found = self.by_suffix.get(name)
                if not found or all(module in running for module in found):
                    continue  # most names: nothing new whichever module they mean
                for module in _meant(found, importer):
                    run(module)
        return running

    def can_run(self, module: str, scope: str) -> bool:
        """Code in `scope` (`fetch`, `Service.load`, `<module>`) of `module` may run.

        Judged only in a project that builds an app and whose modules import each other (a
        library's modules and functions are called from outside it). There, a module runs only
        if it starts something itself or a module that runs imports it, and a class without
        base classes that no code names is never used. A function nobody calls is still
        reported: the call may be on its way.
        """
        if not self.judge_modules or module not in self.modules:
            return True
        if module not in self.running:
            return False
        top = scope.partition(".")[0]
        return top not in self.unused.get(module, ()) and (module, top) not in self.shadowed

    def agrees(self, other: Reach) -> bool:
        """`other` judges every module both know as this one does."""
        both = self.modules & other.modules
        return (
            self.judge_modules == other.judge_modules
            and self.jobs == other.jobs
            and self.running & both == other.running & both
            and {m: c for m, c in self.unused.items() if m in both}
            == {m: c for m, c in other.unused.items() if m in both}
            and {p for p in self.startup if p[0] in both}
            == {p for p in other.startup if p[0] in both}
            and {p for p in self.shadowed if p[0] in both}
            == {p for p in other.shadowed if p[0] in both}
        )

    def scheduled(self, module: str, scope: str) -> bool:
        """Code in `scope` of `module` is (in) a function the project schedules on a timer."""
        if not self.jobs:
            return False
        parts = scope.split(".")
        return any(
            suffix in self.jobs
            for end in range(1, len(parts) + 1)
            for suffix in module_suffixes(f"{module}.{'.'.join(parts[:end])}")
        )

    def at_startup(self, module: str, scope: str) -> bool:
        """Code in `scope` of `module` is (in) a function only startup code calls."""
        if not self.startup:
            return False
        parts = scope.split(".")
        return any((module, ".".join(parts[:end])) in self.startup for end in (1, 2))

    def keep(self, module: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        return [
            d
            for d in diagnostics
            if (not d.code.startswith(REACHABLE_ONLY) or self.can_run(module, d.scope))
            and not (d.code in OFF_REQUEST and self.scheduled(module, d.scope))
            and not (d.code in AT_STARTUP and self.at_startup(module, d.scope))
        ]


def _named(function: str) -> str:
    """The name its callers use: `f` for `f`, the class `C` for a method `C.m`."""
    return function.partition(".")[0]


def _meant(found: list[str], importer: str) -> list[str]:
    """Which of `found` (the modules an import names) module `importer` means: the nearest
    among those in its top package (if any are), else all of them."""
    top = importer.partition(".")[0]
    group = [m for m in found if m.partition(".")[0] == top] or found
    best = nearest(group, importer)
    return group if best is None else [group[best]]


def _prefixes(name: str) -> Iterator[str]:
    """`app`, `app.db`, `app.db.session` for `app.db.session`."""
    end = name.find(".")
    while end != -1:
        yield name[:end]
        end = name.find(".", end + 1)
    yield name


def reach_facts(summary: ModuleSummary | None) -> tuple[object, ...]:
    """What `Reach` reads of a module's summary, in a form that compares and hashes stably:
    while every module's is the same, so is which code runs."""
    if summary is None:
        return ()
    return (
        sorted(summary.imports),
        summary.entry,
        summary.app,
        summary.loads_modules,
        sorted(summary.classes),
        sorted(summary.functions_defined),
        sorted(summary.values),
        sorted(summary.results),
        sorted(summary.param_types),
        summary.stars,
        sorted(summary.reexports.items()),
        sorted(summary.plain_classes),
        sorted(summary.decorated),
        sorted(summary.names),
        sorted(summary.jobs),
        sorted((caller, sorted(keys)) for caller, keys in summary.startup_calls.items()),
        sorted((token, sorted(helpers)) for token, helpers in summary.startup_only.items()),
        sorted(summary.imported_as),
        sorted(summary.routers.items()),
        summary.registrations,
    )
