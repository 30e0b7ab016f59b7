"""What one module tells the others, and the index of a project's modules.

Plain data and lookups only (no LibCST): a run whose files are all in the cache reads these
back without loading the parser.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from asynclint.semantic.tables import ATTRIBUTES, CANONICAL, KNOWN_INSTANCES, RETURNS

_EMPTY: frozenset[str] = frozenset()
#: Packages the tables know about: their types are kept even if the project has a module of
#: the same name (an `app/redis.py` does not hide `redis.Redis`).
LIBRARY_ROOTS = frozenset(
    name.split(".", 1)[0]
    for table in (ATTRIBUTES, CANONICAL, KNOWN_INSTANCES, RETURNS)
    for pair in table.items()
    for name in pair
)


@dataclass(frozen=True)
class FunctionFacts:
    """What one function does, as far as rules that follow calls across modules care: what a
    sync helper blocks on (ASL106), whether a coroutine ever suspends (ASL503)."""

    is_async: bool
    #: The first blocking call it makes itself: (qualified callee, line).
    blocking: tuple[str, int] | None = None
    #: That call's receiver is one of the function's parameters (`db.query` with `db: Session`):
    #: its type is what the annotation claims, which a caller may contradict.
    on_param: bool = False
    #: The project functions it calls: (as written, `fetch_rates`; key, `app.rates.fetch_rates`).
    calls: tuple[tuple[str, str], ...] = ()
    #: An async function that awaits something: a task of it may still be running after its
    #: first step (ASL503). Only async functions that never suspend are summarised with False.
    suspends: bool = True


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
    #: The modules it imports everything from (`from .scheduler_service import *`): a name
    #: it neither defines nor imports by name may be theirs.
    stars: tuple[str, ...] = ()
    #: "f" / "C.m" -> what the function does: a sync one that may block (ASL106), an async
    #: one that never suspends (ASL503).
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    #: The file, as messages name it.
    filename: str = ""
    #: Every module it imports, anywhere in the file (`app.api.v1.seo`, `app.crud`).
    imports: frozenset[str] = frozenset()
    #: Every identifier its code reads (names and attributes; not the names of its defs).
    names: frozenset[str] = frozenset()
    #: Its module-level functions and classes, and their methods (`C.m`), that carry
    #: decorators (registered somewhere).
    decorated: frozenset[str] = frozenset()
    #: Its module-level functions and classes.
    functions_defined: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    #: Those with no base class: only the project calls their methods.
    plain_classes: frozenset[str] = frozenset()
    #: It starts something itself: builds the app, or runs under `__main__`.
    entry: bool = False
    #: It builds a FastAPI or Starlette app.
    app: bool = False
    #: It imports modules by name at run time (`importlib.import_module`, `pkgutil`).
    loads_modules: bool = False
    #: The functions it registers as scheduled jobs (`scheduler.add_job(nightly, "cron")`),
    #: by qualified name: they run on a timer, off every request path.
    jobs: frozenset[str] = frozenset()
    #: What its startup code calls: "" -> its lifespan and startup hooks' callees (qualified),
    #: "f" -> those of its function `f` that only startup code calls.
    startup_calls: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Its module-level routers and apps: name -> (own prefix, it is an app).
    routers: dict[str, tuple[str, bool]] = field(default_factory=dict)
    #: Its routes and `include_router` calls, in order (asynclint.semantic.routes).
    registrations: tuple[tuple[str, str, tuple[str, ...] | str, str, str], ...] = ()
    #: The names its code uses only in startup code, and only as callees: `f` (`f(...)`) or
    #: `C.` (`C.start()`, never `C(...)`) -> its functions whose startup that takes for
    #: granted (those only its hooks call, if no other module calls them either).
    startup_only: dict[str, frozenset[str]] = field(default_factory=dict)
    #: The names it imports under another name (`start` of `from app.svc import start as boot`).
    imported_as: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(
            self.values
            or self.results
            or self.param_types
            or self.reexports
            or self.functions
            or self.stars
        )

    def defines(self, name: str) -> bool:
        """`name` is bound here, not (as far as the summary tells) left to a star import."""
        return (
            name in self.functions_defined
            or name in self.classes
            or name in self.values
            or name in self.results
            or name in self.param_types
            or name in self.reexports
        )


def module_suffixes(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[start:]) for start in range(len(parts))]


#: Roots no project module is taken to have: the standard library and the packages the tables
#: know. What a call to anything else resolves to may be a project function (ASL106).
_NOT_PROJECT = frozenset(sys.stdlib_module_names) | {"builtins", "__future__"} | LIBRARY_ROOTS


def may_be_project(qname: str) -> bool:
    """`qname` may name a function of the project (`app.crud.get_user`), not of the standard
    library or a known package. Decided from the name alone, so that what a file's analysis
    records does not depend on which other files there are."""
    return qname.split(".", 1)[0] not in _NOT_PROJECT


#: A project function's facts, its file (as messages name it) and its module.
Found = tuple[FunctionFacts, str, str]
#: Everything the index says about one qualified name (what a file's findings may depend on).
Answer = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], Found | None]
NO_ANSWER: Answer = ((), (), (), None)


class Told(Protocol):
    """What holds a module's summary (the cache reads it back only when asked)."""

    module: str
    tells: bool  # the summary says something

    @property
    def summary(self) -> ModuleSummary | None: ...


class _Known:
    __slots__ = ("module", "summary", "tells")

    def __init__(self, summary: ModuleSummary) -> None:
        self.module, self.summary, self.tells = summary.module, summary, bool(summary)


class ProjectIndex:
    """Summaries of every module of the project.

    Modules are named from the project root (`backend.app.db`), while imports name them from
    wherever the app runs (`app.db`): a module is found by its name or any dotted suffix of it,
    when that suffix is unique.
    """

    def __init__(
        self, summaries: Iterable[ModuleSummary | Told] = (), project_roots: Iterable[str] = ()
    ) -> None:
        self.by_suffix: dict[str, list[Told]] = {}
        #: The names the project's modules are made of (`app`, `db`): what functions and
        #: aliases give is told only when it is not one of the project's own classes. No rule
        #: asks about those across modules, and every answer makes the files that asked for it
        #: run a second time. Module-level instances keep them (`cache = RedisCache()`):
        #: ASL106 follows their methods.
        self.project_roots = frozenset(project_roots)
        #: (name, asked from) -> the answer, the modules whose summaries it read, and the
        #: module names it looked for (found or not).
        self._answers: dict[tuple[str, str], tuple[Answer, frozenset[str], frozenset[str]]] = {}
        #: Module name looked for -> the answers that looked for it: what to forget when a
        #: module of that name (or dotted suffix) is added. Nothing else an answer read changes.
        self._asked_for: dict[str, list[tuple[str, str]]] = {}
        #: Module name -> asked from -> what `_module` found (forgotten when a module of that
        #: name is added: in a monorepo, every service has an `app.db`, told apart by its
        #: packages).
        self._nearest: dict[str, dict[str, Told | None]] = {}
        self._visiting: set[str] | None = None
        self._probing: set[str] | None = None
        for summary in summaries:
            self.add(summary)

    def add(self, summary: ModuleSummary | Told) -> None:
        """Add a module's summary, or what holds it (read only when a lookup gets there)."""
        told = _Known(summary) if isinstance(summary, ModuleSummary) else summary
        if not told.tells:
            return
        for suffix in module_suffixes(told.module):
            self.by_suffix.setdefault(suffix, []).append(told)
            self._nearest.pop(suffix, None)
            for key in self._asked_for.pop(suffix, ()):
                self._answers.pop(key, None)

    def _module(self, name: str, near: str) -> ModuleSummary | None:
        """The module `name` names, seen from module `near`: the only one with that name or
        dotted suffix, else the one sharing the most leading packages with `near` (in a
        monorepo, `app.db` of the service that imports it)."""
        if self._probing is not None:
            self._probing.add(name)
        seen = self._nearest.get(name)
        if seen is None:
            seen = self._nearest[name] = {}
        if near in seen:
            told = seen[near]
        else:
            found = self.by_suffix.get(name, [])
            best = 0 if len(found) == 1 else nearest([told.module for told in found], near)
            told = seen[near] = None if best is None else found[best]
        if told is None:
            return None
        if self._visiting is not None:
            self._visiting.add(told.module)
        return told.summary

    def _lookup(
        self, qname: str, near: str, hops: int = 6, seen: frozenset[str] = frozenset()
    ) -> tuple[ModuleSummary, str] | None:
        for _ in range(hops):  # follow re-exports, a few hops at most
            module, _, name = qname.rpartition(".")
            summary = self._module(module, near)
            if summary is None:
                return None
            target = summary.reexports.get(name)
            if target is None and summary.stars and not summary.defines(name):
                # `from .service import *`: the last star that binds the name wins; one whose
                # module tells nothing here may be it, so nothing can be said.
                for star in reversed(summary.stars):
                    if star in seen:
                        continue
                    if self._module(star, summary.module) is None:
                        return None
                    found = self._lookup(f"{star}.{name}", summary.module, hops - 1, seen | {star})
                    if found is not None and found[0].defines(found[1]):
                        return found
            if target is None:
                return summary, name
            qname, near = target, summary.module
        return None

    def answer(self, qname: str, near: str) -> Answer:
        """All the index says about `qname` asked from module `near`, in a form that compares
        and hashes stably (remembered until a module of a name it looked for is added: files
        ask the same names)."""
        return self.lookup(qname, near)[0]

    def lookup(self, qname: str, near: str) -> tuple[Answer, frozenset[str], frozenset[str]]:
        """The answer, the modules whose summaries it read, and the module names it looked
        for: while those modules tell the same and no module of those names comes or goes,
        the answer is the same."""
        key = (qname, near)
        known = self._answers.get(key)
        if known is None:
            self._visiting, self._probing = set(), set()
            try:
                found = self._answer(qname, near)
                known = (found, frozenset(self._visiting), frozenset(self._probing))
                self._answers[key] = known
                for name in known[2]:
                    self._asked_for.setdefault(name, []).append(key)
            finally:
                self._visiting = self._probing = None
        return known

    def _answer(self, qname: str, near: str) -> Answer:
        found = (
            tuple(sorted(self.value_types(qname, near))),
            tuple(sorted(self.result_types(qname, near))),
            tuple(sorted(self.alias_param_types(qname, near))),
            self.function(qname, near),
        )
        return NO_ANSWER if found == NO_ANSWER else found

    def holds(self, qname: str) -> bool:
        """`qname` may name something in a module of the project (`app.crud.get_user`)."""
        return may_be_project(qname)

    def function(self, qname: str, near: str) -> Found | None:
        """The facts of a project function or method, its file and module: `app.crud.get_user`,
        `app.services.UserService.get` (also through re-exports)."""
        found = self._lookup(qname, near)
        if found is not None and found[1] in found[0].functions:
            summary = found[0]
            return summary.functions[found[1]], summary.filename, summary.module
        owner, _, method = qname.rpartition(".")
        found = self._lookup(owner, near)
        if found is not None:
            summary = found[0]
            facts = summary.functions.get(f"{found[1]}.{method}")
            if facts is not None:
                return facts, summary.filename, summary.module
        return None

    def value_types(self, qname: str, near: str) -> frozenset[str]:
        found = self._lookup(qname, near)
        return found[0].values.get(found[1], _EMPTY) if found else _EMPTY

    def result_types(self, qname: str, near: str) -> frozenset[str]:
        found = self._lookup(qname, near)
        return self._library(found[0].results.get(found[1], _EMPTY) if found else _EMPTY)

    def alias_param_types(self, qname: str, near: str) -> frozenset[str]:
        found = self._lookup(qname, near)
        return self._library(found[0].param_types.get(found[1], _EMPTY) if found else _EMPTY)

    def _library(self, types: frozenset[str]) -> frozenset[str]:
        if not types:
            return types
        roots = {t: t.split(".", 1)[0] for t in types}
        if self._probing is not None:  # the answer depends on whether these name packages
            self._probing.update(roots.values())
        return frozenset(
            t
            for t, root in roots.items()
            if root in LIBRARY_ROOTS or root not in self.project_roots
        )


def answers(
    index: ProjectIndex, asked: Iterable[tuple[str, str]]
) -> tuple[tuple[str, str, Answer], ...]:
    """The index's answers to what a file asked ((name, asked from module) pairs), for those
    it has something to say on."""
    found = ((qname, near, index.answer(qname, near)) for qname, near in sorted(asked))
    return tuple(item for item in found if item[2] != NO_ANSWER)


def depends(
    index: ProjectIndex, asked: Iterable[tuple[str, str]]
) -> tuple[frozenset[str], frozenset[str]]:
    """What the answers to what a file asked depend on: the modules whose summaries they read,
    and the module names they looked for."""
    found = [index.lookup(qname, near) for qname, near in asked]
    return frozenset().union(*(f[1] for f in found)), frozenset().union(*(f[2] for f in found))


def nearest(modules: Sequence[str], near: str) -> int | None:
    """Which of `modules` (all named by one import) module `near` means: the only one, or the
    one sharing the most leading packages with it (in a monorepo, the `app.db` of the service
    that imports it); None when there is none or no single best."""
    if len(modules) <= 1:
        return 0 if modules else None
    top = near.partition(".")[0]  # a module under another top package shares nothing with it
    shared = [_shared_prefix(m, near) if m.partition(".")[0] == top else 0 for m in modules]
    best = max(shared)
    return shared.index(best) if best and shared.count(best) == 1 else None


@lru_cache(maxsize=65536)
def _parts(module: str) -> tuple[str, ...]:
    return tuple(module.split("."))


def _shared_prefix(module: str, other: str) -> int:
    """How many leading packages two dotted module names share."""
    shared = 0
    for mine, theirs in zip(_parts(module), _parts(other), strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared
