"""Plain data passed from the engine to the outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asynclint.semantic.summary import ModuleSummary


#: A fix as a text edit of its file: start line, start column, end line, end column (1-based,
#: the end column exclusive) of what it replaces, and the text it puts there.
Edit = tuple[int, int, int, int, str]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column, as ruff reports them."""

    row: int
    column: int


@dataclass(frozen=True)
class Diagnostic:
    """One finding in one file."""

    filename: str
    code: str
    name: str
    message: str
    location: Location
    end_location: Location
    source_line: str = ""
    fix_title: str | None = None
    url: str | None = None
    #: "safe" / "unsafe" / "display-only" when the finding comes with a fix.
    fix_applicability: str | None = None
    #: The enclosing functions and classes (`Class.method`, `<module>`); "" for engine findings.
    scope: str = ""

    @property
    def fixable(self) -> bool:
        """`asynclint fix` repairs it (without `--unsafe-fixes`)."""
        return self.fix_applicability == "safe"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.filename, self.location.row, self.location.column, self.code)


@dataclass
class FileResult:
    """What checking one file produced."""

    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: int = 0


@dataclass
class CheckResult:
    """What checking a set of paths produced."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = [d for f in self.files for d in f.diagnostics]
        return sorted(found, key=lambda d: d.sort_key)

    @property
    def files_checked(self) -> int:
        return len(self.files)


@dataclass
class Analysis:
    """What analysing one file gives a project run: its findings, what it tells the other
    modules, and the qualified names it asked the project index about (its findings depend on
    the answers). Plain data: it crosses process boundaries and goes into the cache."""

    result: FileResult
    summary: ModuleSummary | None = None
    asked: frozenset[tuple[str, str]] = frozenset()
    #: The digest of the answers the project index gave it (asynclint.cache.answers_digest).
    answered: str = ""
