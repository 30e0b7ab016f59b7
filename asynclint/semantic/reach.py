"""Which code of a project can run at all.

The lifecycle, query, memory and framework rules judge costs paid while the app serves; a
module nothing running imports or a class nothing uses costs nothing, and reading such findings
is what made readers of real code call them false alarms (orphaned services, backup copies of
routers, the services of a router nobody mounts). Their findings there are dropped. Judged from
the summaries of the whole project, by imports and names, so it errs towards keeping a finding:
any use of a name anywhere counts.
"""

from __future__ import annotations

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
#: Modules named like this are started from outside (uvicorn, celery, scripts, pytest).
ENTRY_STEMS = frozenset(
    {
        "__init__", "__main__", "main", "app", "application", "asgi", "wsgi", "server",
        "run", "manage", "cli", "worker", "workers", "tasks", "celery", "celery_app",
        "conftest", "jobs", "scheduler", "lambda_function",
    }
)  # fmt: skip


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
        #: The packages whose modules may be loaded by name at run time: those of a module
        #: that does it (a plugin registry's `importlib.import_module(f"tools.{name}")` loads
        #: the plugins next to it or below it).
        self.loaded = {
            module.rpartition(".")[0] + "."
            for module, summary in self.summaries.items()
            if summary.loads_modules
        }
        self.modules = frozenset(self.summaries)
        self.jobs = frozenset().union(*(summary.jobs for summary in self.summaries.values()))
        self.running = self._running() if self.judge_modules else set()
        self.unused = self._unused_classes()
        self.startup = self._startup()
        del self.summaries, self.by_suffix

    def _unused_classes(self) -> dict[str, frozenset[str]]:
        """Module -> its classes without bases or decorators that no code names."""
        plain = {
            module: summary.plain_classes - summary.decorated
            for module, summary in self.summaries.items()
            if summary.plain_classes - summary.decorated
        }
        wanted = frozenset().union(*plain.values())
        named: set[str] = set()
        for summary in self.summaries.values():
            named |= wanted & summary.names
        return {module: frozenset(classes - named) for module, classes in plain.items()}

    def _startup(self) -> frozenset[tuple[str, str]]:
        """(module, function) pairs that only startup code calls: what the hooks call, and
        what those call in turn, as long as no other code of the project names them."""
        waiting = [
            (key, module)
            for module, summary in self.summaries.items()
            for key in summary.startup_calls.get("", ())
        ]
        found: set[tuple[str, str]] = set()
        while waiting:
            key, near = waiting.pop()
            target = self._resolve(key, near)
            if target is None or target in found or not self._only_at_startup(*target):
                continue
            found.add(target)
            module, function = target
            waiting.extend(
                (k, module) for k in self.summaries[module].startup_calls.get(function, ())
            )
        return frozenset(found)

    def _only_at_startup(self, module: str, function: str) -> bool:
        """`function` is a function (`f`) or method (`C.m`) of `module`, and every module
        that names `f` (or `C`) only calls it (or only calls `C`'s methods) from startup code:
        a class built there may be kept, and its methods called by anything."""
        parts = function.split(".")
        if len(parts) > 2 or (len(parts) == 1 and function in self.summaries[module].classes):
            return False
        name, use = parts[0], parts[0] if len(parts) == 1 else f"{parts[0]}."
        return all(use in s.startup_only for s in self.summaries.values() if name in s.names)

    def _resolve(self, key: str, near: str, hops: int = 6) -> tuple[str, str] | None:
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
                for star in summary.stars:
                    found = self._resolve(".".join([star, *rest]), module, hops - 1)
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
        """The module is run from outside the project: an app, a script, a worker, a module
        loaded by name."""
        return (
            self.summaries[module].entry
            or module.rpartition(".")[2] in ENTRY_STEMS
            or any(module.startswith(package) for package in self.loaded)
        )

    def _running(self) -> set[str]:
        """The modules that run: those started from outside, and every module a running module
        imports (and the packages above it), followed to the end. An import that names several
        modules equally well (no single nearest) runs them all."""
        running = {module for module in self.summaries if self._starts(module)}
        waiting = list(running)
        while waiting:
            importer = waiting.pop()
            named = {
                prefix for name in self.summaries[importer].imports for prefix in _prefixes(name)
            }
            for name in named:
                found = self.by_suffix.get(name)
                if not found or all(module in running for module in found):
                    continue  # most names: nothing new whichever module they mean
                for module in _meant(found, importer):
                    if module not in running:
                        running.add(module)
                        waiting.append(module)
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
        return scope.partition(".")[0] not in self.unused.get(module, ())

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
        summary.stars,
        sorted(summary.reexports.items()),
        sorted(summary.plain_classes),
        sorted(summary.decorated),
        sorted(summary.names),
        sorted(summary.jobs),
        sorted((caller, sorted(keys)) for caller, keys in summary.startup_calls.items()),
        sorted(summary.startup_only),
    )
