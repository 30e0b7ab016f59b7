"""The programmatic interface: paths or source in, plain dataclasses out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from asynclint.config import Config
from asynclint.diagnostic import CheckResult, Diagnostic, FileResult, Location
from asynclint.engine import check_source, enabled_rules
from asynclint.files import discover
from asynclint.rules import load_rules

__all__ = ["CheckResult", "Config", "check_paths", "check_source"]


def _unreadable(filename: str, detail: str) -> FileResult:
    rule = load_rules()["ASL002"]
    return FileResult(
        filename,
        [
            Diagnostic(
                filename=filename,
                code="ASL002",
                name=rule.name,
                message=rule.message.format(detail=detail),
                location=Location(1, 1),
                end_location=Location(1, 1),
                url=rule.url(),
            )
        ],
    )


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
        result.files.append(_unreadable(display_path(path, cwd), message))
    for path in found.files:
        filename = display_path(path, cwd)
        try:
            source = path.read_bytes()
        except OSError as error:
            result.files.append(_unreadable(filename, f"Cannot read: {error.strerror or error}"))
            continue
        file_result = check_source(source, filename, config, rules=rules)
        ignored = config.ignored_for(_relative_to_root(path, config.root))
        if ignored:
            file_result.diagnostics = [
                d for d in file_result.diagnostics if not d.code.startswith(tuple(ignored))
            ]
        result.files.append(file_result)
    return result


def _relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
