"""The programmatic interface: paths or source in, plain dataclasses out."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path

from asynclint.config import Config
from asynclint.diagnostic import CheckResult, FileResult
from asynclint.engine import (
    FileAnalysis,
    analyse_file,
    check_source,
    enabled_rules,
    module_name_for,
    reanalyse,
    unreadable_file,
)
from asynclint.files import discover
from asynclint.semantic.project import ModuleSummary, ProjectIndex

__all__ = ["CheckResult", "Config", "check_paths", "check_source"]


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
        return _check_paths(paths, config, force_exclude)
    finally:
        gc.set_threshold(*threshold)


def _check_paths(paths: Sequence[Path], config: Config, force_exclude: bool) -> CheckResult:
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
    for path, message in found.errors:
        result.files.append(unreadable_file(display_path(path, cwd), message))
    root = config.root.resolve()
    resolved = {path: path.resolve() for path in found.files}
    names = {path: project_module_name(resolved[path], root) for path in found.files}
    segments = {part for name in names.values() for part in name.split(".")}
    analyses: list[tuple[Path, FileAnalysis | FileResult]] = []
    index = ProjectIndex(modules=names.values())
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
    return result


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
