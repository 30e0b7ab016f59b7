"""File discovery: decide which files asynclint checks.

Semantics follow what ruff users expect:

* directories are walked recursively, keeping ``*.py`` and ``*.pyi`` files;
* ``exclude``/``extend_exclude`` are gitignore-style patterns relative to ``root``;
* ``.gitignore`` files (nested ones included) and ``.git/info/exclude`` are honoured;
* test files are skipped unless ``include_tests`` is set;
* paths passed explicitly always win, unless ``force_exclude`` is set.

Patterns are compiled with ``pathspec``. Each entry is judged on its own name: a
pattern only excludes an entry it matches itself, never one of its descendants. The
walk prunes excluded directories, so descendants never need judging, and a directory
that is passed explicitly is walked even when a pattern would exclude it.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from asynclint.pins import MANIFESTS

__all__ = [
    "DEFAULT_EXCLUDES",
    "PYTHON_SUFFIXES",
    "TEST_DIR_NAMES",
    "Discovery",
    "discover",
    "is_test_file",
]

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".direnv",
    "node_modules",
    "build",
    "dist",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".eggs",
    "site-packages",
)
"""Patterns excluded unless the user sets ``exclude`` (``extend_exclude`` adds to these)."""

PYTHON_SUFFIXES: tuple[str, ...] = (".py", ".pyi")
"""Suffixes of the files picked up while walking a directory."""

TEST_DIR_NAMES: frozenset[str] = frozenset({"tests", "test"})
"""Directory names whose contents count as tests."""

# Name of the regex group pathspec uses to mark "matched because a parent directory
# matched" (present since pathspec 0.12). Missing group: every match counts as direct.
_DIR_MARK = "ps_d"


@dataclass(frozen=True)
class Discovery:
    """Result of :func:`discover`."""

    files: list[Path]
    """Sorted, deduplicated files to check, spelled as given (not resolved)."""
    errors: list[tuple[Path, str]]
    """Paths that do not exist or could not be listed, with a message."""
    manifest_folders: list[str] = field(default_factory=list)
    """The folders walked that hold a pyproject.toml or requirements file (`asynclint.pins`)."""


@dataclass(frozen=True)
class _Pattern:
    """One compiled gitignore-style pattern."""

    regex: re.Pattern[str]
    ignore: bool  # False for a negated ("!") pattern
    dir_only: bool  # the pattern ended with "/"
    has_mark: bool


class _Rules:
    """An ordered list of gitignore-style patterns; the last direct match wins."""

    __slots__ = ("_patterns",)

    def __init__(self, lines: Iterable[str], *, strict: bool) -> None:
        patterns: list[_Pattern] = []
        for line in lines:
            try:
                pattern = _compile(line)
            except (ValueError, re.error) as exc:
                if strict:
                    raise ValueError(f"invalid exclude pattern {line!r}: {exc}") from exc
                continue
            if pattern is not None:
                patterns.append(pattern)
        # Reversed once so that ``verdict`` can stop at the first (i.e. last) match.
        self._patterns = tuple(reversed(patterns))

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True if ignored, False if re-included by a negation, None if no pattern matches."""
        for pattern in self._patterns:
            if pattern.dir_only and not is_dir:
                continue
            match = pattern.regex.search(rel)
            if match is None:
                continue
            if pattern.has_mark and match.group(_DIR_MARK) is not None:
                continue  # matched a parent directory, not this entry
            return pattern.ignore
        return None


# (path to the directory being scanned, its display path, its resolved path, ignore chain)
_Frame = tuple[str, str, str, tuple[tuple[int, _Rules], ...]]


def _compile(line: str) -> _Pattern | None:
    """Compile one pattern line; None for blanks and comments."""
    text = line if line.endswith("\\ ") else line.rstrip()
    # "name/" matches directories only. Compile it as "name" and apply it to
    # directories only, so that the directory itself (not its contents) matches.
    dir_only = text.endswith("/") and not text.endswith("\\/")
    if dir_only:
        text = text.rstrip("/")
        if text in ("", "!"):
            return None
    if not text:
        return None
    compiled = pathspec.GitIgnoreSpec.from_lines([text]).patterns
    if not compiled:
        return None
    first = compiled[0]
    regex = getattr(first, "regex", None)
    if first.include is None or not isinstance(regex, re.Pattern):
        return None
    return _Pattern(
        regex=regex,
        ignore=bool(first.include),
        dir_only=dir_only,
        has_mark=_DIR_MARK in regex.groupindex,
    )


def is_project_root(folder: Path) -> bool:
    """`folder` holds a project: a pyproject.toml or a git repository."""
    return (folder / "pyproject.toml").is_file() or (folder / ".git").exists()


def is_test_file(name: str) -> bool:
    """Whether a file name looks like a pytest test module or conftest."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in PYTHON_SUFFIXES:
        return False
    return stem.startswith("test_") or stem.endswith("_test") or stem == "conftest"


def _is_within(path: str, directory: str) -> bool:
    """Whether absolute ``path`` is ``directory`` or lies below it (lexically)."""
    if path == directory:
        return True
    prefix = directory if directory.endswith(os.sep) else directory + os.sep
    return path.startswith(prefix)


def _prefix_len(directory: str) -> int:
    """Length to strip from a path below ``directory`` to make it relative."""
    return len(directory) if directory.endswith(os.sep) else len(directory) + 1


def _posix(rel: str) -> str:
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


def git_top(directory: str) -> str | None:
    """The nearest directory at or above ``directory`` holding ``.git``."""
    current = directory
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


class _Finder:
    """Holds the options, caches and results of one :func:`discover` call."""

    def __init__(
        self,
        root: Path,
        excludes: _Rules,
        *,
        force_exclude: bool,
        include_tests: bool,
        respect_gitignore: bool,
    ) -> None:
        self.root = os.path.abspath(root)
        self.real_root = os.path.realpath(self.root)
        self.excludes = excludes
        self.force_exclude = force_exclude
        self.include_tests = include_tests
        self.respect_gitignore = respect_gitignore
        self.files: dict[str, Path] = {}
        self.manifest_folders: set[str] = set()
        self.errors: list[tuple[Path, str]] = []
        self._visited: set[str] = set()
        self._gitignores: dict[str, _Rules | None] = {}
        self._root_top = git_top(self.root) or self.root

    # -- explicit paths ------------------------------------------------------------

    def add(self, path: Path) -> None:
        """Handle one path given by the user."""
        absolute = os.path.abspath(path)
        try:
            mode = os.stat(absolute).st_mode
        except OSError as exc:
            self.errors.append((path, _describe(exc)))
            return
        is_dir = stat.S_ISDIR(mode)
        if not is_dir and not stat.S_ISREG(mode):
            return  # a socket, FIFO or device: nothing to check
        if self.force_exclude and self._explicit_excluded(absolute, is_dir=is_dir):
            return
        if is_dir:
            self._walk(path, absolute)
        else:
            self.files.setdefault(absolute, path)

    def _explicit_excluded(self, absolute: str, *, is_dir: bool) -> bool:
        """Whether an explicit path, or a directory above it, is excluded (force-exclude)."""
        base = self.root if _is_within(absolute, self.root) else os.path.dirname(absolute)
        if absolute == base:
            return False
        chain = self._chain_above(base) + self._own_rules(base)
        base_len = _prefix_len(base)
        parts = os.path.relpath(absolute, base).split(os.sep)
        skip_tests = not self.include_tests
        current = base
        for index, name in enumerate(parts):
            entry_is_dir = is_dir or index < len(parts) - 1
            current = os.path.join(current, name)
            if self._skipped(name, current, entry_is_dir, chain, base_len, skip_tests):
                return True
            if entry_is_dir:
                chain += self._own_rules(current)
        return False

    # -- walking -------------------------------------------------------------------

    def _walk(self, display: Path, start: str) -> None:
        """Walk one directory given by the user."""
        start_real = os.path.realpath(start)
        if start_real in self._visited:
            return
        under_root = _is_within(start, self.root)
        base_len = _prefix_len(self.root if under_root else start)
        boundaries = (self.real_root, start_real)
        skip_tests = not self.include_tests and not self._in_test_dir(start, display)

        stack: list[_Frame] = [(start, str(display), start_real, self._chain_above(start))]
        # Directory symlinks are walked last, so that a directory reachable both
        # directly and through a link is reported under its real path.
        deferred: list[_Frame] = []
        while stack or deferred:
            directory, shown, real, chain = stack.pop() if stack else deferred.pop()
            if real in self._visited:
                continue
            self._visited.add(real)
            try:
                with os.scandir(directory) as iterator:
                    entries = sorted(iterator, key=lambda entry: entry.name)
            except OSError as exc:
                self.errors.append((Path(shown), _describe(exc)))
                continue
            if self.respect_gitignore and any(entry.name == ".gitignore" for entry in entries):
                chain += self._own_rules(directory)

            for entry in entries:
                name = entry.name
                if name in MANIFESTS:
                    self.manifest_folders.add(directory)
                try:
                    is_dir = entry.is_dir()
                    if not is_dir and not (name.endswith(PYTHON_SUFFIXES) and entry.is_file()):
                        continue
                    is_link = is_dir and entry.is_symlink()
                except OSError:
                    continue
                if is_dir and name == ".git":
                    continue
                if self._skipped(name, entry.path, is_dir, chain, base_len, skip_tests):
                    continue
                child_shown = os.path.join(shown, name)
                if not is_dir:
                    self.files.setdefault(entry.path, Path(child_shown))
                elif is_link:
                    target = os.path.realpath(entry.path)
                    if any(_is_within(target, boundary) for boundary in boundaries):
                        deferred.append((entry.path, child_shown, target, chain))
                else:
                    stack.append((entry.path, child_shown, os.path.join(real, name), chain))

    def _in_test_dir(self, start: str, display: Path) -> bool:
        """Whether an explicitly given directory is (inside) a test directory."""
        if _is_within(start, self.root):
            parts: Sequence[str] = os.path.relpath(start, self.root).split(os.sep)
        else:
            parts = display.parts
        return any(part in TEST_DIR_NAMES for part in parts)

    def _skipped(
        self,
        name: str,
        absolute: str,
        is_dir: bool,
        chain: tuple[tuple[int, _Rules], ...],
        base_len: int,
        skip_tests: bool,
    ) -> bool:
        """Whether an entry is a skipped test, excluded, or gitignored."""
        if skip_tests and (name in TEST_DIR_NAMES if is_dir else is_test_file(name)):
            return True
        if self.excludes.verdict(_posix(absolute[base_len:]), is_dir):
            return True
        for prefix_len, rules in reversed(chain):
            verdict = rules.verdict(_posix(absolute[prefix_len:]), is_dir)
            if verdict is not None:
                return verdict
        return False

    # -- ignore files --------------------------------------------------------------

    def _chain_above(self, directory: str) -> tuple[tuple[int, _Rules], ...]:
        """Ignore rules from the directories above ``directory`` that apply inside it."""
        if not self.respect_gitignore:
            return ()
        if _is_within(directory, self.root):
            top = self._root_top
        else:
            top = git_top(directory) or directory
        chain: tuple[tuple[int, _Rules], ...] = ()
        info_exclude = os.path.join(top, ".git", "info", "exclude")
        if os.path.isfile(info_exclude):
            rules = self._load(info_exclude)
            if rules:
                chain += ((_prefix_len(top), rules),)
        ancestors: list[str] = []
        current = directory
        while current != top and _is_within(current, top):
            current = os.path.dirname(current)
            ancestors.append(current)
        for ancestor in reversed(ancestors):
            chain += self._own_rules(ancestor)
        return chain

    def _own_rules(self, directory: str) -> tuple[tuple[int, _Rules], ...]:
        """The rules of ``directory/.gitignore``, as a chain link (empty if none)."""
        if not self.respect_gitignore:
            return ()
        if directory not in self._gitignores:
            self._gitignores[directory] = self._load(os.path.join(directory, ".gitignore"))
        rules = self._gitignores[directory]
        return ((_prefix_len(directory), rules),) if rules else ()

    @staticmethod
    def _load(path: str) -> _Rules | None:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError:
            return None
        return _Rules(lines, strict=False) or None


def discover(
    paths: Sequence[Path],
    *,
    root: Path,
    exclude: Sequence[str] = DEFAULT_EXCLUDES,
    extend_exclude: Sequence[str] = (),
    force_exclude: bool = False,
    include_tests: bool = False,
    respect_gitignore: bool = True,
) -> Discovery:
    """Find the files to check among ``paths``.

    Raises ``ValueError`` if an ``exclude``/``extend_exclude`` pattern is invalid.
    """
    finder = _Finder(
        root,
        _Rules([*exclude, *extend_exclude], strict=True),
        force_exclude=force_exclude,
        include_tests=include_tests,
        respect_gitignore=respect_gitignore,
    )
    for path in paths:
        finder.add(Path(path))
    return Discovery(
        files=sorted(finder.files.values()),
        errors=finder.errors,
        manifest_folders=sorted(finder.manifest_folders),
    )
