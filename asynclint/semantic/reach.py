"""Which code of a project can run at all.

The lifecycle, query, memory and framework rules judge costs paid while the app serves; a
module nothing running imports or a class nothing uses costs nothing, and reading such findings
is what made readers of real code call them false alarms (orphaned services, backup copies of
routers, the services of a router nobody mounts). Their findings there are dropped. Judged from
the summaries of the whole project, by imports and names, so it errs towards keeping a finding:
any use of a name anywhere counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from asynclint.diagnostic import Diagnostic
from asynclint.semantic.summary import ModuleSummary, module_suffixes, nearest

#: The rules whose findings are dropped in code nothing runs (the lifecycle, query, memory
#: and framework rules; the blocking-call rules report wherever the code is).
REACHABLE_ONLY = ("ASL2", "ASL3", "ASL4", "ASL5")
#: Modules named like this are started from outside (uvicorn, celery, scripts, pytest).
ENTRY_STEMS = frozenset(
    {
        "__init__", "__main__", "main", "app", "application", "asgi", "wsgi", "server",
        "run", "manage", "cli", "worker", "workers", "tasks", "celery", "celery_app",
        "conftest", "jobs", "scheduler", "lambda_function",
    }
)  # fmt: skip


class Reach:
    def __init__(self, summaries: Iterable[ModuleSummary]) -> None:
        self.summaries = {summary.module: summary for summary in summaries}
        self.names: set[str] = set()
        self.imported: set[str] = set()  # every module imported, and the packages above it
        for summary in self.summaries.values():
            self.names.update(summary.names)
            for name in summary.imports:
                parts = name.split(".")
                self.imported.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        suffixes = {s for module in self.summaries for s in module_suffixes(module)}
        #: Code is judged only where the project imports its own modules (a folder of
        #: scripts imports none of the others).
        self.judge_modules = bool(suffixes & self.imported) and any(
            s.app for s in self.summaries.values()
        )
        #: The packages whose modules may be loaded by name at run time: those of a module
        #: that does it (a plugin registry's `importlib.import_module(f"tools.{name}")` loads
        #: the plugins next to it or below it).
        self.loaded = {
            module.rpartition(".")[0] + "."
            for module, summary in self.summaries.items()
            if summary.loads_modules
        }
        self.running = self._running() if self.judge_modules else set()

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
        by_suffix: dict[str, list[str]] = {}
        for module in self.summaries:
            for suffix in module_suffixes(module):
                by_suffix.setdefault(suffix, []).append(module)
        running = {module for module in self.summaries if self._starts(module)}
        waiting = list(running)
        while waiting:
            importer = waiting.pop()
            named = set()
            for name in self.summaries[importer].imports:
                parts = name.split(".")
                named.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
            for name in named:
                found = by_suffix.get(name)
                if not found or all(module in running for module in found):
                    continue  # most names: nothing new whichever module they mean
                best = nearest(found, importer)
                for module in found if best is None else (found[best],):
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
        if not self.judge_modules:
            return True
        summary = self.summaries.get(module)
        if summary is None:
            return True
        if module not in self.running:
            return False
        top = scope.partition(".")[0]
        if top in summary.plain_classes and top not in summary.decorated:
            return top in self.names
        return True

    def keep(self, module: str, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        return [
            d
            for d in diagnostics
            if not d.code.startswith(REACHABLE_ONLY) or self.can_run(module, d.scope)
        ]
