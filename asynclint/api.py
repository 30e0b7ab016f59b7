"""The programmatic interface: paths or source in, plain dataclasses out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asynclint.cache import Cache
from asynclint.config import Config
from asynclint.diagnostic import CheckResult, FileResult
from asynclint.files import Discovery, discover, is_project_root
from asynclint.pins import project_pins
from asynclint.runner import Progress, SourceFile, analyse_project, default_jobs, engine_error
from asynclint.semantic.summary import ProjectIndex

if TYPE_CHECKING:
    from asynclint.rule import Rule

__all__ = ["CheckResult", "Config", "FixedFile", "check_paths", "check_source", "fix_paths"]


def display_path(path: Path, cwd: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path, cwd) if path.is_absolute() else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def check_paths(
    paths: Sequence[Path],
    config: Config | None = None,
    *,
    force_exclude: bool = False,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Discover the files under `paths` and check each; one bad file never stops the run.

    `jobs` processes analyse the files (default: one per core); with `cache_dir`, what each
    file gave is kept there for the next run; `progress` is told how far the run has come.
    """
    return _run(paths, config or Config(), force_exclude, jobs, cache_dir, progress).result


@dataclass
class _Run:
    """One checking run: its findings, and what fixing needs to run the rules again."""

    config: Config
    index: ProjectIndex
    result: CheckResult = field(default_factory=CheckResult)
    #: Each checked file: its path, module name, and (on the result) its findings.
    checked: list[tuple[Path, str, FileResult]] = field(default_factory=list)

    def rules_for(self, path: Path) -> list[type[Rule]]:
        """The rules that apply to `path`, its per-file ignores taken off."""
        ignored = tuple(self.config.ignored_for(_relative_to_root(path.resolve(), self.root)))
        return [r for r in self.rules if not r.code.startswith(ignored)] if ignored else self.rules

    @cached_property
    def rules(self) -> list[type[Rule]]:
        from asynclint.engine import enabled_rules

        return enabled_rules(self.config)

    @property
    def root(self) -> Path:
        return self.config.root.resolve()


def _run(
    paths: Sequence[Path],
    config: Config,
    force_exclude: bool,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> _Run:
    found = _discover(paths, config, force_exclude)
    cwd = os.path.realpath(os.getcwd())
    result = CheckResult()
    for path, message in found.errors:
        result.files.append(engine_error(display_path(path, Path(cwd)), message))
    root = config.root.resolve()
    files = [_source_file(path, root, cwd) for path in found.files]
    manifests = found.manifest_folders
    whole = {Path(os.path.normpath(os.path.join(cwd, path))) for path in paths}
    if (
        any(not Path(f.relpath).is_absolute() for f in files)
        and not whole & {root, *root.parents}
        and (is_project_root(root) or str(root) == cwd)
    ):
        # Checking part of a project: its other modules still say what their helpers do. Not
        # when the root is only the folder the paths share (`/` for `/srv/a` and `/tmp/b`).
        requested = {file.relpath for file in files}
        project = _discover([root], config, False)
        manifests = project.manifest_folders
        for path in project.files:
            file = _source_file(path, root, cwd, reported=False)
            if file.relpath not in requested:
                files.append(file)
    # From the whole project's folders, whichever files were asked for: pins are settings.
    config = config.with_overrides(fastapi_pins=project_pins(root, manifests))
    cache = Cache.open(cache_dir, config) if cache_dir is not None else Cache.disabled()
    run = _Run(config, ProjectIndex(), result)
    results, run.index = analyse_project(
        files,
        config,
        lambda: run.rules,
        jobs=jobs or default_jobs(),
        cache=cache,
        progress=progress,
    )
    for file, file_result in zip(files, results, strict=True):
        if not file.reported:
            continue
        ignored = tuple(config.ignored_for(file.relpath))
        if ignored:  # a new result: the cache holds the one it was given
            kept = [d for d in file_result.diagnostics if not d.code.startswith(ignored)]
            file_result = FileResult(file_result.filename, kept, file_result.suppressed)
        result.files.append(file_result)
        run.checked.append((file.path, file.module_name, file_result))
    return run


def _discover(paths: Sequence[Path], config: Config, force_exclude: bool) -> Discovery:
    return discover(
        paths,
        root=config.root,
        exclude=config.exclude,
        extend_exclude=config.extend_exclude,
        force_exclude=force_exclude,
        include_tests=config.include_tests,
        respect_gitignore=config.respect_gitignore,
    )


def _source_file(path: Path, root: Path, cwd: str, *, reported: bool = True) -> SourceFile:
    """`path` as the run names it. Symlinks inside the project keep the name they have there;
    strings, not Path methods: this runs for every file of the project on every run."""
    absolute = os.path.normpath(os.path.join(cwd, path))
    prefix = os.path.join(str(root), "")
    if not absolute.startswith(prefix):
        absolute = os.path.realpath(absolute)  # outside the root, or reached through a link
    if absolute.startswith(prefix):
        relpath = absolute[len(prefix) :].replace(os.sep, "/")
        parts = relpath.split("/")
        parts[-1] = parts[-1].rpartition(".")[0] or parts[-1]
        if parts[-1] == "__init__":
            parts.pop()
        module_name = ".".join(parts) or _module_name_for(Path(absolute))
    else:
        relpath = Path(absolute).as_posix()
        module_name = _module_name_for(Path(absolute))
    if not path.is_absolute():
        display = str(path)
    elif absolute.startswith(here := os.path.join(cwd, "")) and absolute == os.path.normpath(path):
        display = absolute[len(here) :]  # what display_path gives, without its Path objects
    else:
        display = display_path(path, Path(cwd))
    return SourceFile(path, display, module_name, relpath, reported)


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
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> tuple[list[FixedFile], CheckResult]:
    """Fix what can be fixed under `paths` (nothing is written here): the files changed or
    that failed, and the findings left once the fixes are made."""
    config = config or Config()
    run = _run(paths, config, force_exclude, jobs, cache_dir, progress)
    allowed = {"safe", "unsafe"} if unsafe else {"safe"}
    changed: list[FixedFile] = []
    for position, (path, module_name, found) in enumerate(run.checked):
        if not any(d.fix_applicability in allowed for d in found.diagnostics):
            continue
        from asynclint.engine import fix_file

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


def _module_name_for(path: Path) -> str:
    from asynclint.engine import module_name_for

    return module_name_for(path)


def check_source(*args: Any, **kwargs: Any) -> FileResult:
    """Check one file's bytes (see asynclint.engine.check_source)."""
    from asynclint.engine import check_source as check

    return check(*args, **kwargs)


def _relative_to_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
