"""Which code of a project can run at all.

The lifecycle, query, memory and framework rules judge costs paid while the app serves; a
module nothing imports or a class nothing uses costs nothing, and reading such findings is what
made readers of real code call them false alarms (orphaned services, backup copies of routers).
Their findings there are dropped. Judged from the summaries of the whole project, by names, so
it errs towards keeping a finding: any use of a name anywhere counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from asynclint.diagnostic import Diagnostic
from asynclint.semantic.summary import ModuleSummary, module_suffixes

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

    def module_runs(self, module: str) -> bool:
        summary = self.summaries.get(module)
        if summary is None or summary.entry or module.rpartition(".")[2] in ENTRY_STEMS:
            return True
        if any(module.startswith(package) for package in self.loaded):
            return True
        return any(s in self.imported for s in module_suffixes(module))

    def can_run(self, module: str, scope: str) -> bool:
        """Code in `scope` (`fetch`, `Service.load`, `<module>`) of `module` may run.

        Judged only in a project that builds an app and whose modules import each other (a
        library's modules and functions are called from outside it). There, a module nothing
        imports runs only if it starts something itself, and a class without base classes
        that no code names is never used. A function nobody calls is still reported: the
        call may be on its way.
        """
        if not self.judge_modules:
            return True
        if not self.module_runs(module):
            return False
        summary = self.summaries[module]
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
