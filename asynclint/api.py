"""The programmatic interface: paths or source in, plain dataclasses out."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asynclint.config import Config
from asynclint.diagnostic import CheckResult, FileResult
from asynclint.engine import (
    FileAnalysis,
    analyse_file,
    check_source,
    enabled_rules,
    fix_file,
    module_name_for,
    reanalyse,
    unreadable_file,
)
from asynclint.files import discover
from asynclint.rule import Rule
from asynclint.semantic.project import ModuleSummary, ProjectIndex

__all__ = ["CheckResult", "Config", "FixedFile", "check_paths", "check_source", "fix_paths"]


def display_path(path: Path, cwd: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path, cwd) if path.is_absolute() else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def check_paths(
    paths: Sequence[Path], config: Config | None = None, *, force_exclude: bool = False
) -> CheckResult:
    """Discover the files under `paths` and check each; one bad file never stops the run."""
    config = config or Config()
    threshold = gc.get_threshold()
    # A run allocates millions of short-lived CST nodes: collect the young generation less often.
    gc.set_threshold(max(threshold[0], 20_000), max(threshold[1], 50), max(threshold[2], 100))
    try:
        return _run(paths, config, force_exclude).result
    finally:
        gc.set_threshold(*threshold)


@dataclass
class _Run:
    """One checking run: its findings, and what fixing needs to run the rules again."""

    config: Config
    rules: list[type[Rule]]
    index: ProjectIndex
    result: CheckResult = field(default_factory=CheckResult)
    #: Each checked file: its path, module name, and (on the result) its findings.
    checked: list[tuple[Path, str, FileResult]] = field(default_factory=list)

    def rules_for(self, path: Path) -> list[type[Rule]]:
        """The rules that apply to `path`, its per-file ignores taken off."""
        ignored = tuple(self.config.ignored_for(_relative_to_root(path.resolve(), self.root)))
        return [r for r in self.rules if not r.code.startswith(ignored)] if ignored else self.rules

    @property
    def root(self) -> Path:
        return self.config.root.resolve()


def _run(paths: Sequence[Path], config: Config, force_exclude: bool) -> _Run:
    rules = enabled_rules(config)
    found = discover(
        paths,
        root=config.root,
        exclude=config.exclude,
        extend_exclude=config.extend_exclude,
        force_exclude=force_exclude,
        include_tests=config.include_tests,
        respect_gitignore=config.respect_gitignore,
    )
    cwd = Path.cwd()
    result = CheckResult()
    run = _Run(config, rules, ProjectIndex(), result)
    for path, message in found.errors:
        result.files.append(unreadable_file(display_path(path, cwd), message))
    root = config.root.resolve()
    resolved = {path: path.resolve() for path in found.files}
    names = {path: project_module_name(resolved[path], root) for path in found.files}
    segments = {part for name in names.values() for part in name.split(".")}
    analyses: list[tuple[Path, FileAnalysis | FileResult]] = []
    index = run.index = ProjectIndex(modules=names.values())
    # Shallow modules first (`app/db.py`, `app/api/deps.py` before `app/api/routes/users.py`): the
    # modules others import from are usually there, so most answers are known on the first pass.
    for path in sorted(found.files, key=lambda p: (len(p.parts), p)):
        filename = display_path(path, cwd)
        try:
            source = path.read_bytes()
        except OSError as error:
            detail = f"Cannot read: {error.strerror or error}"
            analyses.append((path, unreadable_file(filename, detail)))
            continue
        analysis = analyse_file(
            source, filename, config, module_name=names[path], rules=rules, project=index
        )
        index.add(
            analysis.summary.library_types_only(segments)
            if analysis.summary
            else ModuleSummary(names[path])
        )
        if not any(map(index.pending, analysis.queries)):
            analysis.checker.module = None  # nothing more to learn from other modules: free it
        analyses.append((path, analysis))
    for path, analysis in analyses:
        if isinstance(analysis, FileAnalysis):
            if analysis.checker.module is not None and any(map(index.knows, analysis.queries)):
                reanalyse(analysis, rules, index)
            analysis.checker.module = None
            file_result = analysis.result
        else:
            file_result = analysis
        ignored = config.ignored_for(_relative_to_root(resolved.get(path, path), root))
        if ignored:
            file_result.diagnostics = [
                d for d in file_result.diagnostics if not d.code.startswith(tuple(ignored))
            ]
        result.files.append(file_result)
        run.checked.append((path, names[path], file_result))
    return run


@dataclass
class FixedFile:
    """A file `fix` changed, or failed to."""

    path: Path
    filename: str
    before: bytes
    after: bytes
    fixed: int
    error: str | None = None


def fix_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    unsafe: bool = False,
    force_exclude: bool = False,
) -> tuple[list[FixedFile], CheckResult]:
    """Fix what can be fixed under `paths` (nothing is written here): the files changed or
    that failed, and the findings left once the fixes are made."""
    config = config or Config()
    run = _run(paths, config, force_exclude)
    allowed = {"safe", "unsafe"} if unsafe else {"safe"}
    changed: list[FixedFile] = []
    for position, (path, module_name, found) in enumerate(run.checked):
        if not any(d.fix_applicability in allowed for d in found.diagnostics):
            continue
        rules = run.rules_for(path)
        try:
            before = path.read_bytes()
        except OSError as error:  # gone (or locked) since it was checked
            detail = f"cannot read: {error.strerror or error}"
            changed.append(FixedFile(path, found.filename, b"", b"", 0, detail))
            continue
        outcome = fix_file(
            before,
            found.filename,
            config,
            module_name=module_name,
            rules=rules,
            project=run.index,
            unsafe=unsafe,
        )
        changed.append(
            FixedFile(path, found.filename, before, outcome.source, outcome.fixed, outcome.error)
        )
        if outcome.source != before and outcome.left is not None:
            left = outcome.left
            files = run.result.files
            files[next(i for i, f in enumerate(files) if f is found)] = left
            run.checked[position] = (path, module_name, left)
    return changed, run.result


def project_module_name(path: Path, root: Path) -> str:
    """`backend.app.db` for backend/app/db.py under the project root (both paths resolved)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return module_name_for(path)
    parts = [*relative.parent.parts, relative.stem] if relative.name else []
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or module_name_for(path)


def _relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
