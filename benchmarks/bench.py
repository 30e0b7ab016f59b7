#!/usr/bin/env python3
"""Measure asynclint against a bare LibCST parse: in one process, and as `asynclint check`.

Usage::

    python benchmarks/bench.py DIR... [--repeat R] [--jobs 1] [--json]
                                      [--parse-only] [--manifest FILE]
                                      [--no-project-runs | --project-only]
                                      [--single-file-project-size N] [--single-file-runs K]
                                      [--no-identity-check]

Every ``*.py`` file under the given directories (skipping ``.git``, ``.venv``,
``node_modules`` and ``__pycache__``) is read once.  Files LibCST cannot parse are
counted and left out of both measurements.  Then, in the same process, the script
times ``libcst.parse_module`` over all files and ``asynclint.api.check_paths`` (what
``asynclint check`` runs: both project phases) over the same files, best of R runs each,
alternating which goes first, with a ``gc.collect()`` before every run.

The same runs are also made *interleaved*: asynclint checks the files while a bare parse of
each file is timed just before asynclint parses it, so both figures come from the same
seconds of the machine's life (shared machines drift by tens of percent between runs). The
interleaved ratio is the median over the R runs.

``--manifest`` takes the ``manifest.json`` written by ``make_corpus.py`` and reports
how many planted pitfalls got a finding on their line and how many look-alikes did.

Then come the project runs (``project_runs.py``; ``--no-project-runs`` skips them,
``--project-only`` skips the in-process measurements): ``asynclint check`` in subprocesses on
a copy of the files, cold (empty cache, one process per core), warm, warm after one file
changed, one file of a 1,000-file project with a warm cache, peak memory of the main process
and of the workers, and whether cold, warm, ``--no-cache --jobs 1`` and ``--jobs 2`` find the
same. Each is printed next to its target and to a bare single-process parse of the same files
timed just before and after the cold run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import libcst
import project_runs

#: LibCST's checks of each node's fields as it is built: part of a bare parse.
_NODE_CHECKS = libcst.CSTNode.__dict__.get("__post_init__")
SKIP_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__"})
REPO_ROOT = Path(__file__).resolve().parent.parent


class _Location(Protocol):
    row: int


class _Diagnostic(Protocol):
    code: str
    location: _Location


@dataclass
class Source:
    path: Path
    data: bytes
    lines: int


@dataclass
class Figures:
    files: int = 0
    lines: int = 0
    parse_failures: int = 0
    failed_files: list[str] = field(default_factory=list)
    repeat: int = 0
    parse_runs: list[float] = field(default_factory=list)
    lint_runs: list[float] = field(default_factory=list)
    parse_cpu_runs: list[float] = field(default_factory=list)
    lint_cpu_runs: list[float] = field(default_factory=list)
    interleaved_ratios: list[float] = field(default_factory=list)
    check_errors: int = 0
    findings: int = 0
    findings_by_code: dict[str, int] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    project: project_runs.ProjectFigures | None = None

    @property
    def parse_seconds(self) -> float:
        return min(self.parse_runs) if self.parse_runs else 0.0

    @property
    def lint_seconds(self) -> float:
        return min(self.lint_runs) if self.lint_runs else 0.0

    @property
    def interleaved_ratio(self) -> float | None:
        runs = sorted(self.interleaved_ratios)
        return runs[len(runs) // 2] if runs else None

    @property
    def cpu_ratio(self) -> float | None:
        if not self.lint_cpu_runs or not self.parse_cpu_runs or min(self.parse_cpu_runs) <= 0:
            return None
        return min(self.lint_cpu_runs) / min(self.parse_cpu_runs)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "files": self.files,
            "lines": self.lines,
            "parse_failures": self.parse_failures,
            "repeat": self.repeat,
            "python": platform.python_version(),
            "libcst": package_version("libcst"),
        }
        if self.parse_runs:
            out.update(
                {
                    "parse_seconds": round(self.parse_seconds, 4),
                    "parse_lines_per_second": rate(self.lines, self.parse_seconds),
                    "parse_runs": [round(t, 4) for t in self.parse_runs],
                    "parse_cpu_seconds": round(min(self.parse_cpu_runs), 4),
                }
            )
        if self.lint_runs:
            out.update(
                {
                    "asynclint_seconds": round(self.lint_seconds, 4),
                    "asynclint_lines_per_second": rate(self.lines, self.lint_seconds),
                    "asynclint_runs": [round(t, 4) for t in self.lint_runs],
                    "asynclint_cpu_seconds": round(min(self.lint_cpu_runs), 4),
                    "cpu_ratio": round(self.cpu_ratio, 2) if self.cpu_ratio else None,
                    "interleaved_ratio": round(self.interleaved_ratio, 2)
                    if self.interleaved_ratio
                    else None,
                    "interleaved_ratios": [round(r, 3) for r in self.interleaved_ratios],
                    "ratio": round(self.lint_seconds / self.parse_seconds, 2)
                    if self.parse_seconds
                    else None,
                    "check_errors": self.check_errors,
                    "findings": self.findings,
                    "findings_by_code": dict(sorted(self.findings_by_code.items())),
                }
            )
        if self.manifest is not None:
            out["manifest"] = self.manifest
        if self.project is not None:
            out["project"] = self.project.as_json()
        return out


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def rate(lines: int, seconds: float) -> int | None:
    return round(lines / seconds) if seconds > 0 else None


def iter_python_files(roots: Sequence[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for root in roots:
        if not root.exists():
            print(f"warning: {root} does not exist, skipped", file=sys.stderr)
            continue
        if root.is_file():
            candidates: Iterator[Path] = iter([root] if root.suffix == ".py" else [])
        else:
            candidates = _walk(root)
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath, name)


def count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def load_sources(roots: Sequence[Path], figures: Figures) -> list[Source]:
    """Read every file once and drop the ones LibCST cannot parse."""
    sources: list[Source] = []
    for path in iter_python_files(roots):
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"warning: cannot read {path}: {exc}", file=sys.stderr)
            continue
        try:
            libcst.parse_module(data)  # also warms LibCST up before timing
        except Exception:
            figures.parse_failures += 1
            figures.failed_files.append(str(path))
            continue
        sources.append(Source(path=path, data=data, lines=count_lines(data)))
    figures.files = len(sources)
    figures.lines = sum(s.lines for s in sources)
    return sources


CheckSource = Callable[[Sequence["Source"]], list[list[_Diagnostic]]]


def import_check_source(select: tuple[str, ...] = ("ALL",)) -> CheckSource | None:
    """`asynclint check` as users run it (discovery, both project phases, findings), in this
    process and without a cache, so that the timings compare with one process's parse."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        from asynclint.api import check_paths
        from asynclint.config import Config
    except ImportError as exc:
        print(
            f"error: cannot import asynclint.api.check_paths ({exc}).\n"
            f"Run from a checkout that has asynclint/api.py (looked in {REPO_ROOT}), "
            "or pass --parse-only to time the bare parse alone.",
            file=sys.stderr,
        )
        return None

    def check(sources: Sequence[Source]) -> list[list[_Diagnostic]]:
        root = Path(os.path.commonpath([str(s.path.resolve().parent) for s in sources]))
        config = Config(root=root, include_tests=True, select=select)
        result = check_paths([s.path for s in sources], config, jobs=1, cache_dir=None)
        by_file: dict[Path, list[_Diagnostic]] = {}
        for diagnostic in result.diagnostics:
            by_file.setdefault(Path(diagnostic.filename).resolve(), []).append(diagnostic)
        return [by_file.get(s.path.resolve(), []) for s in sources]

    return check


def time_parse(sources: Sequence[Source]) -> tuple[float, float]:
    """Wall and process-CPU seconds of a bare parse of every file."""
    parse = libcst.parse_module
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    for source in sources:
        parse(source.data)
    return time.perf_counter() - started, time.process_time() - cpu


def time_lint(
    sources: Sequence[Source], check_source: CheckSource
) -> tuple[float, float, list[list[_Diagnostic]], int]:
    """Wall and CPU seconds of checking every file, the findings, and how many calls raised."""
    errors = 0
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        results = check_source(sources)
    except Exception:
        errors += 1
        results = [[] for _ in sources]
    elapsed = time.perf_counter() - started
    return elapsed, time.process_time() - cpu, results, errors


def time_interleaved(sources: Sequence[Source], check_source: CheckSource) -> float:
    """asynclint's time over a bare parse's, measured file by file in the same run.

    Next to every `libcst.parse_module` asynclint makes, a bare parse of the same bytes is
    timed (before it for one file, after it for the next); asynclint's own time is the run's
    wall time minus those bare parses.
    """
    real = libcst.parse_module
    bare = [0.0]
    calls = [0]

    def timed_bare(source: Any) -> None:
        # asynclint turns LibCST's per-node field checks off around its own parse (which
        # calls this); a bare parse is the stock one, checks included.
        during = libcst.CSTNode.__dict__.get("__post_init__")
        if _NODE_CHECKS is not None:
            libcst.CSTNode.__post_init__ = _NODE_CHECKS  # type: ignore[method-assign]
        try:
            started = time.perf_counter()
            with contextlib.suppress(Exception):  # asynclint reports the failure itself
                real(source)
            bare[0] += time.perf_counter() - started
        finally:
            if during is not None:
                libcst.CSTNode.__post_init__ = during  # type: ignore[method-assign]

    def parse_twice(source: Any, *args: Any, **kwargs: Any) -> libcst.Module:
        # Every other file, the bare parse comes after asynclint's: neither profits from
        # caches the other warmed.
        calls[0] += 1
        if calls[0] % 2:
            timed_bare(source)
            return real(source, *args, **kwargs)
        module = real(source, *args, **kwargs)
        timed_bare(source)
        return module

    libcst.parse_module = parse_twice  # type: ignore[assignment]
    try:
        gc.collect()
        started = time.perf_counter()
        check_source(sources)
        total = time.perf_counter() - started
    finally:
        libcst.parse_module = real  # type: ignore[assignment]
    return (total - bare[0]) / bare[0] if bare[0] else float("nan")


def compare_with_manifest(
    manifest_path: Path, sources: Sequence[Source], results: Sequence[Sequence[_Diagnostic]]
) -> dict[str, Any]:
    """Which planted pitfalls / look-alikes have at least one finding on their line."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    base = manifest_path.resolve().parent
    rows: dict[str, set[int]] = {}
    for source, diagnostics in zip(sources, results, strict=True):
        rel = (
            source.path.resolve().relative_to(base).as_posix() if _under(source.path, base) else ""
        )
        if rel:
            rows[rel] = {d.location.row for d in diagnostics}
    summary: dict[str, Any] = {"pitfalls": {}, "lookalikes": {}}
    for entry in manifest["entries"]:
        rel = entry["file"]
        if rel not in rows:
            continue
        bucket = summary["pitfalls" if entry["pitfall"] else "lookalikes"]
        hit, total = bucket.get(entry["kind"], (0, 0))
        bucket[entry["kind"]] = (hit + (entry["line"] in rows[rel]), total + 1)
    for key in ("pitfalls", "lookalikes"):
        bucket = summary[key]
        summary[key] = {k: {"flagged": h, "total": t} for k, (h, t) in sorted(bucket.items())}
    return summary


def _under(path: Path, base: Path) -> bool:
    try:
        path.resolve().relative_to(base)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    check_source: CheckSource | None = None
    if not args.parse_only:
        check_source = import_check_source(tuple(args.select.split(",")))
        if check_source is None:
            return 2
    figures = Figures(repeat=args.repeat)
    sources = load_sources(args.dirs, figures)
    if not sources:
        print("error: no parseable *.py files found", file=sys.stderr)
        return 1
    if not args.project_only:
        measure_in_process(args, sources, figures, check_source)
    if check_source is not None and args.project_runs:
        try:
            figures.project = project_runs.measure(
                sources,
                args.dirs,
                time_parse,
                select=tuple(args.select.split(",")),
                cores=default_jobs(),
                identity=args.identity_check,
                single_file_project_size=args.single_file_project_size,
                single_file_runs=args.single_file_runs,
            )
        except project_runs.CliFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(figures.as_json(), indent=2))
    else:
        report(figures)
        if figures.project is not None:
            project_runs.report(figures.project)
    return 0


def default_jobs() -> int:
    """The processes `asynclint check` starts by default: one per core."""
    from asynclint.runner import default_jobs as jobs

    return jobs()


def measure_in_process(
    args: argparse.Namespace,
    sources: Sequence[Source],
    figures: Figures,
    check_source: CheckSource | None,
) -> None:
    """Bare parse and `check_paths` in this process, best of R, and the interleaved ratio."""
    last: list[list[_Diagnostic]] = []
    if check_source is not None:
        # one untimed call so lazy imports and rule registries are in place
        check_source(sources[:1])
    for attempt in range(args.repeat):
        lint_first = attempt % 2 == 1
        for which in ("lint", "parse") if lint_first else ("parse", "lint"):
            if which == "parse":
                elapsed, cpu = time_parse(sources)
                figures.parse_runs.append(elapsed)
                figures.parse_cpu_runs.append(cpu)
            elif check_source is not None:
                elapsed, cpu, last, errors = time_lint(sources, check_source)
                figures.lint_runs.append(elapsed)
                figures.lint_cpu_runs.append(cpu)
                figures.check_errors = errors
        if check_source is not None:
            figures.interleaved_ratios.append(time_interleaved(sources, check_source))
    if check_source is not None:
        codes = Counter(d.code for diagnostics in last for d in diagnostics)
        figures.findings = sum(codes.values())
        figures.findings_by_code = dict(codes)
        if args.manifest is not None:
            figures.manifest = compare_with_manifest(args.manifest, sources, last)


def report(f: Figures) -> None:
    def per_second(seconds: float) -> str:
        value = rate(f.lines, seconds)
        return f"{value:,} lines/s" if value is not None else "n/a"

    print(f"files            {f.files:,}")
    print(f"lines            {f.lines:,}")
    print(f"parse failures   {f.parse_failures:,}")
    for name in f.failed_files[:10]:
        print(f"                 {name}")
    if not f.parse_runs:
        return
    print(
        f"bare parse       {f.parse_seconds:.3f} s  {per_second(f.parse_seconds)}"
        f"  (best of {f.repeat}: {', '.join(f'{t:.3f}' for t in f.parse_runs)})"
    )
    if not f.lint_runs:
        return
    print(
        f"asynclint        {f.lint_seconds:.3f} s  {per_second(f.lint_seconds)}"
        f"  (best of {f.repeat}: {', '.join(f'{t:.3f}' for t in f.lint_runs)})"
    )
    ratio = f.lint_seconds / f.parse_seconds if f.parse_seconds else float("nan")
    print(f"ratio            {ratio:.2f} (asynclint / parse)")
    if f.interleaved_ratio is not None:
        runs = ", ".join(f"{r:.2f}" for r in f.interleaved_ratios)
        print(
            f"interleaved      {f.interleaved_ratio:.2f} (median of {len(f.interleaved_ratios)}: "
            f"{runs}; a bare parse timed next to each of asynclint's parses)"
        )
    if f.cpu_ratio is not None:
        print(
            f"cpu ratio        {f.cpu_ratio:.2f} (process CPU time: asynclint "
            f"{min(f.lint_cpu_runs):.3f} s / parse {min(f.parse_cpu_runs):.3f} s)"
        )
    if f.check_errors:
        print(f"check errors     {f.check_errors:,} files raised inside check_source")
    print(f"findings         {f.findings:,}")
    for code, count in sorted(f.findings_by_code.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {code:<14} {count:,}")
    if f.manifest is not None:
        for key, title in (("pitfalls", "planted pitfalls"), ("lookalikes", "look-alikes")):
            bucket: dict[str, dict[str, int]] = f.manifest[key]
            flagged = sum(v["flagged"] for v in bucket.values())
            total = sum(v["total"] for v in bucket.values())
            print(f"{title} flagged: {flagged:,}/{total:,}")
            for kind, v in bucket.items():
                print(f"  {kind:<20} {v['flagged']:>5}/{v['total']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (default 3)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes; only 1 is supported for now"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--select", default="ALL", help="rule codes or prefixes to run, as in `check` (ALL)"
    )
    parser.add_argument("--parse-only", action="store_true", help="time the bare LibCST parse only")
    parser.add_argument(
        "--manifest", type=Path, help="manifest.json from make_corpus.py, to score findings"
    )
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument(
        "--no-project-runs",
        dest="project_runs",
        action="store_false",
        help="skip the `asynclint check` subprocess runs (cold, warm, one file, memory)",
    )
    runs.add_argument(
        "--project-only",
        action="store_true",
        help="only the `asynclint check` subprocess runs, not the in-process timings",
    )
    parser.add_argument(
        "--single-file-project-size",
        type=int,
        default=1000,
        metavar="N",
        help="files in the project of the one-file run (default 1000; 0 skips that run)",
    )
    parser.add_argument(
        "--single-file-runs",
        type=int,
        default=5,
        metavar="K",
        help="median of K one-file runs (default 5)",
    )
    parser.add_argument(
        "--no-identity-check",
        dest="identity_check",
        action="store_false",
        help="skip the --no-cache --jobs 1 (and --jobs 2) runs that check the findings agree",
    )
    args = parser.parse_args(argv)
    if args.jobs != 1:
        parser.error("only --jobs 1 is supported: the benchmark is single-process")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.single_file_runs < 1:
        parser.error("--single-file-runs must be at least 1")
    if args.project_only and args.parse_only:
        parser.error("--project-only needs asynclint: it cannot go with --parse-only")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
