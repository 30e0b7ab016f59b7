"""`asynclint check` as users run it, timed on a copy of the benchmark's files.

Every run is a separate ``python`` process running the CLI's entry point (what the
``asynclint`` console script does), with the working directory at the copy's root:

* cold: an empty ``--cache-dir``, the default number of processes (one per core);
* warm: the same command again, nothing changed;
* warm after one file changed: a comment line appended to one route module;
* warm after one helper module edited: a comment line inserted at the top of a `services.py`
  (every line below moves, so what it tells the modules that import it changes);
* single file: ``asynclint check <one route module>`` in a project of about 1,000 files whose
  cache (the default ``.asynclint_cache/`` at its root) a full run has just filled;
* identity: the findings of the cold, the warm, a ``--no-cache --jobs 1`` and a ``--no-cache
  --jobs 2`` run, compared as multisets of JSON objects.

Memory: the process running the CLI records, as it exits, its own peak resident set size
(``getrusage(RUSAGE_SELF).ru_maxrss``) and that of its children
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``). On Linux the latter is the largest peak among all
the descendants it has waited for, here the worker processes of the pool: a per-worker
upper bound. Each worker's own peak is also sampled from ``/proc/<pid>/status`` (``VmHWM``)
every quarter second while it lives: a lower bound, missing what grows after the last sample.
Workers are forked, so their resident sets count the pages they share with the main process.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: The issue's targets.
COLD_TARGET = 0.6  # cold run / bare parse
WARM_TARGET = 0.03  # warm run / cold run
TOUCHED_TARGET = 0.05  # warm run with one file changed / cold run
SINGLE_FILE_TARGET = 0.4  # seconds
WORKER_MEMORY_TARGET = 300 * 1024 * 1024  # bytes

TOUCH_LINE = b"# touched by benchmarks/bench.py\n"

#: How the report names each run.
LABELS = {
    "cold": "cold",
    "warm": "warm",
    "serial": "--no-cache --jobs 1",
    "two_jobs": "--no-cache --jobs 2",
    "touched": "warm after a change",
    "edited": "warm after a helper module's edit",
}

#: `asynclint check ...` as the console script runs it; on the way out, the peak RSS (in
#: bytes) of this process and of its largest waited-for descendant, and the CPU time of both.
_CLI = """\
import json, os, resource, sys
from asynclint.cli import main
sys.argv[0] = "asynclint"
try:
    main()
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    unit = 1 if sys.platform == "darwin" else 1024
    with open(os.environ["ASYNCLINT_BENCH_RUSAGE"], "w") as out:
        json.dump({
            "main_peak": own.ru_maxrss * unit,
            "children_peak": kids.ru_maxrss * unit,
            "main_cpu": own.ru_utime + own.ru_stime,
            "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        }, out)
"""


class SourceLike(Protocol):
    path: Path
    data: bytes
    lines: int


TimeParse = Callable[[Sequence[Any]], tuple[float, float]]


class CliFailed(RuntimeError):
    """`asynclint check` exited with an error."""


@dataclass
class CliRun:
    label: str
    seconds: float
    cpu_seconds: float  # the CLI process and its workers
    main_cpu_seconds: float  # the CLI process alone
    main_peak: int  # bytes
    children_peak: int  # bytes; 0 without child processes
    sampled_worker_peaks: list[int]  # bytes, one per worker process seen
    findings: Counter[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "main_cpu_seconds": round(self.main_cpu_seconds, 3),
            "main_peak_mb": mb(self.main_peak),
            "largest_worker_peak_mb": mb(self.children_peak) if self.children_peak else None,
            "sampled_worker_peaks_mb": [mb(p) for p in self.sampled_worker_peaks],
            "findings": sum(self.findings.values()),
        }


@dataclass
class SingleFile:
    project_files: int
    target: str
    warmup_seconds: float
    runs: list[float] = field(default_factory=list)
    cpu_runs: list[float] = field(default_factory=list)
    import_runs: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu_runs)

    def as_json(self) -> dict[str, Any]:
        return {
            "project_files": self.project_files,
            "file": self.target,
            "warmup_seconds": round(self.warmup_seconds, 3),
            "median_seconds": round(self.median, 3),
            "runs": [round(t, 3) for t in self.runs],
            "median_cpu_seconds": round(self.median_cpu, 3),
            "import_asynclint_api_median_seconds": round(statistics.median(self.import_runs), 3),
            "target_seconds": SINGLE_FILE_TARGET,
        }


@dataclass
class ProjectFigures:
    files: int
    lines: int
    cores: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: Bare parses timed just before and just after the cold run, wall and CPU seconds.
    parse_runs: list[float] = field(default_factory=list)
    parse_cpu_runs: list[float] = field(default_factory=list)
    runs: dict[str, CliRun] = field(default_factory=dict)
    touched_file: str = ""
    edited_file: str = ""
    single: SingleFile | None = None
    #: Label -> findings differing from the cold run's (multiset symmetric difference).
    differences: dict[str, int] | None = None

    @property
    def parse_seconds(self) -> float:
        return statistics.fmean(self.parse_runs)

    @property
    def parse_cpu_seconds(self) -> float:
        return statistics.fmean(self.parse_cpu_runs)

    @property
    def identical(self) -> bool | None:
        return None if self.differences is None else not any(self.differences.values())

    def ratio(self, label: str, to: str | None = None) -> float | None:
        """A run's wall time over the bare parse's, or over run `to`'s."""
        run = self.runs.get(label)
        base = self.parse_seconds if to is None else getattr(self.runs.get(to), "seconds", 0.0)
        return run.seconds / base if run is not None and base else None

    def as_json(self) -> dict[str, Any]:
        def rounded(value: float | None, digits: int = 3) -> float | None:
            return None if value is None else round(value, digits)

        cold = self.runs.get("cold")
        out: dict[str, Any] = {
            "files": self.files,
            "lines": self.lines,
            "cores": self.cores,
            "load_average_before": list(self.load_before),
            "load_average_after": list(self.load_after),
            "bare_parse_seconds": round(self.parse_seconds, 3),
            "bare_parse_runs": [round(t, 3) for t in self.parse_runs],
            "bare_parse_cpu_seconds": round(self.parse_cpu_seconds, 3),
            "runs": {label: run.as_json() for label, run in self.runs.items()},
            "cold_over_parse": rounded(self.ratio("cold")),
            "cold_cpu_over_parse_cpu": rounded(cold.cpu_seconds / self.parse_cpu_seconds)
            if cold and self.parse_cpu_seconds
            else None,
            "warm_over_cold": rounded(self.ratio("warm", "cold"), 4),
            "touched_over_cold": rounded(self.ratio("touched", "cold"), 4),
            "touched_file": self.touched_file,
            "edited_over_cold": rounded(self.ratio("edited", "cold"), 4),
            "edited_file": self.edited_file,
            "serial_over_parse": rounded(self.ratio("serial")),
            "targets": {
                "cold_over_parse": COLD_TARGET,
                "warm_over_cold": WARM_TARGET,
                "touched_over_cold": TOUCHED_TARGET,
                "worker_peak_mb": mb(WORKER_MEMORY_TARGET),
            },
            "identical": self.identical,
            "differences": self.differences,
        }
        if self.single is not None:
            out["single_file"] = self.single.as_json()
        return out


def mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def measure(
    sources: Sequence[SourceLike],
    roots: Sequence[Path],
    time_parse: TimeParse,
    *,
    select: Sequence[str],
    cores: int,
    identity: bool = True,
    single_file_project_size: int = 1000,
    single_file_runs: int = 5,
) -> ProjectFigures:
    """Every run above, on copies of `sources` in a temporary folder."""
    names = relative_names([s.path for s in sources], roots)
    figures = ProjectFigures(
        files=len(sources), lines=sum(s.lines for s in sources), cores=cores, load_before=load()
    )
    with tempfile.TemporaryDirectory(prefix="asynclint-bench-") as scratch:
        base = Path(scratch)
        project = base / "project"
        write_project(project, sources, names, select)
        check = [".", "--exit-zero", "--output-format", "json"]
        cached = [*check, "--cache-dir", str(base / "cache")]

        def timed_parse() -> None:
            wall, cpu = time_parse(sources)
            figures.parse_runs.append(wall)
            figures.parse_cpu_runs.append(cpu)

        timed_parse()
        figures.runs["cold"] = run_cli("cold", cached, project, base)
        timed_parse()
        figures.runs["warm"] = run_cli("warm", cached, project, base)
        if identity:
            serial = [*check, "--no-cache", "--jobs", "1"]
            figures.runs["serial"] = run_cli("serial", serial, project, base)
            if cores != 2:  # on two cores the cold run is the two-process run
                two = [*check, "--no-cache", "--jobs", "2"]
                figures.runs["two_jobs"] = run_cli("two_jobs", two, project, base)
            figures.differences = differences(figures.runs, "cold")
        touched = touch_one(project, names)
        figures.touched_file = touched.as_posix()
        figures.runs["touched"] = run_cli("touched", cached, project, base)
        edited = edit_one(project, names)
        figures.edited_file = edited.as_posix()
        figures.runs["edited"] = run_cli("edited", cached, project, base)
        if single_file_project_size > 0:
            figures.single = single_file(
                sources[:single_file_project_size],
                names[:single_file_project_size],
                base / "single",
                select,
                runs=single_file_runs,
            )
    figures.load_after = load()
    return figures


def load() -> tuple[float, float, float]:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # not available on this platform
        return (0.0, 0.0, 0.0)
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def relative_names(paths: Sequence[Path], roots: Sequence[Path]) -> list[Path]:
    """Where each file goes in the copy: as under its root when there is one root folder,
    else under a folder per root."""
    names: list[Path] = []
    one_dir = len(roots) == 1 and roots[0].is_dir()
    for path in paths:
        for position, root in enumerate(roots):
            if root.is_file():
                if path == root:
                    names.append(Path(f"{position}_{root.name}"))
                    break
                continue
            relative = Path(os.path.relpath(path, root))
            if relative.parts and relative.parts[0] != "..":
                name = root.resolve().name or "root"
                names.append(relative if one_dir else Path(f"{position}_{name}") / relative)
                break
        else:
            raise ValueError(f"{path} is under none of {', '.join(map(str, roots))}")
    return names


def write_project(
    dest: Path, sources: Sequence[SourceLike], names: Sequence[Path], select: Sequence[str]
) -> None:
    """Copy the files (keeping their modification times) under a pyproject.toml that makes
    `dest` the project root and has asynclint check exactly these files."""
    for source, name in zip(sources, names, strict=True):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source.path, target)
    selected = ", ".join(json.dumps(code) for code in select)
    (dest / "pyproject.toml").write_text(
        '[project]\nname = "asynclint-bench"\nversion = "0"\n\n'
        "[tool.asynclint]\n"
        f"select = [{selected}]\n"
        "exclude = []\n"
        "include-tests = true\n"
        "respect-gitignore = false\n",
        encoding="utf-8",
    )


def touch_one(project: Path, names: Sequence[Path]) -> Path:
    """Append a comment line to the first route module (else the first file)."""
    name = next((n for n in sorted(names) if n.name == "routes.py"), names[0])
    path = project / name
    data = path.read_bytes()
    path.write_bytes(data + (b"" if data.endswith(b"\n") or not data else b"\n") + TOUCH_LINE)
    return name


def edit_one(project: Path, names: Sequence[Path]) -> Path:
    """Insert a comment line at the top of the first helper module (`services.py`, else
    `crud.py`, else the last file): the lines of everything in it move."""
    helpers = [n for n in sorted(names) if n.name in ("services.py", "crud.py")]
    name = min(helpers, key=lambda n: n.name != "services.py") if helpers else sorted(names)[-1]
    path = project / name
    path.write_bytes(TOUCH_LINE + path.read_bytes())
    return name


def single_file(
    sources: Sequence[SourceLike],
    names: Sequence[Path],
    dest: Path,
    select: Sequence[str],
    *,
    runs: int,
) -> SingleFile:
    """`asynclint check <one file>` from the root of a project whose cache is warm."""
    write_project(dest, sources, names, select)
    target = next((n for n in sorted(names) if n.name == "routes.py"), names[0]).as_posix()
    flags = ["--exit-zero", "--output-format", "json"]
    warmup = run_cli("single_warmup", [".", *flags], dest, dest)
    figures = SingleFile(len(sources), target, warmup.seconds)
    for _ in range(runs):
        run = run_cli("single", [target, *flags], dest, dest)
        figures.runs.append(run.seconds)
        figures.cpu_runs.append(run.cpu_seconds)
    for _ in range(runs):
        figures.import_runs.append(time_python(["-c", "import asynclint.api"], dest))
    return figures


def child_environment() -> dict[str, str]:
    """This process's environment, with the checkout that holds benchmarks/ first on the
    import path, so the runs use its asynclint."""
    env = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    return env


def time_python(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=cwd, env=child_environment(), check=True)
    return time.perf_counter() - started


def run_cli(label: str, args: list[str], cwd: Path, scratch: Path) -> CliRun:
    """Run `asynclint check ARGS` in `cwd` (JSON output): wall time, CPU, memory, findings."""
    usage = scratch / f"rusage-{label}.json"
    env = child_environment()
    env["ASYNCLINT_BENCH_RUSAGE"] = str(usage)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "check", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    sampler = ChildSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip()[-2000:]
        raise CliFailed(
            f"`asynclint check {' '.join(args)}` in {cwd} exited {process.returncode}:\n{tail}"
        )
    rusage = json.loads(usage.read_text(encoding="utf-8"))
    return CliRun(
        label=label,
        seconds=seconds,
        cpu_seconds=rusage["cpu"],
        main_cpu_seconds=rusage["main_cpu"],
        main_peak=rusage["main_peak"],
        children_peak=rusage["children_peak"],
        sampled_worker_peaks=[peak for _, peak in sorted(sampler.peaks.items())],
        findings=Counter(json.dumps(d, sort_keys=True) for d in json.loads(stdout)),
    )


def differences(runs: dict[str, CliRun], reference: str) -> dict[str, int]:
    """For each other run, how many findings it has that `reference` has not, or lacks."""
    base = runs[reference].findings
    return {
        label: sum(((run.findings - base) + (base - run.findings)).values())
        for label, run in runs.items()
        if label != reference
    }


class ChildSampler(threading.Thread):
    """Polls /proc for the children of `pid` and keeps each one's peak RSS (VmHWM) so far."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peaks: dict[int, int] = {}  # child pid -> bytes
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        proc = Path("/proc")
        if not proc.is_dir():
            return
        while not self._done.wait(self.interval):
            for entry in os.scandir(proc):
                if entry.name.isdigit():
                    self._sample(Path(entry.path))

    def _sample(self, directory: Path) -> None:
        try:
            stat = (directory / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != self.pid:
                return
            status = (directory / "status").read_text()
        except (OSError, ValueError, IndexError):
            return  # gone meanwhile, or not ours to read
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
                pid = int(directory.name)
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                return


def report(f: ProjectFigures) -> None:
    """The figures as a table, each against its target."""

    def verdict(value: float | None, target: float) -> str:
        if value is None:
            return ""
        return "ok" if value <= target else "MISSED"

    def row(name: str, wall: str, cpu: str, ratio: str, target: str, mark: str) -> None:
        print(f"  {name:<36} {wall:>8} {cpu:>8}  {ratio:<20} {target:<9} {mark}".rstrip())

    def times(run: CliRun) -> tuple[str, str]:
        return f"{run.seconds:.3f}", f"{run.cpu_seconds:.3f}"

    print()
    print(
        f"project runs     `asynclint check` subprocesses on a copy of the {f.files:,} files, "
        f"{f.cores} cores"
    )
    print(
        "load average     before "
        + " ".join(f"{x:.2f}" for x in f.load_before)
        + "   after "
        + " ".join(f"{x:.2f}" for x in f.load_after)
    )
    print(
        f"bare parse       {f.parse_seconds:.3f} s, cpu {f.parse_cpu_seconds:.3f} s, one process "
        f"(mean of the parses just before and after the cold run: "
        f"{', '.join(f'{t:.3f}' for t in f.parse_runs)})"
    )
    row("run", "wall s", "cpu s", "ratio (wall)", "target", "")
    cold = f.runs["cold"]
    cold_ratio = f.ratio("cold")
    row(
        f"cold, empty cache, {f.cores} jobs",
        *times(cold),
        f"{cold_ratio:.2f} x bare parse" if cold_ratio else "",
        f"<= {COLD_TARGET}",
        verdict(cold_ratio, COLD_TARGET),
    )
    for label, name, target in (
        ("warm", "warm, nothing changed", WARM_TARGET),
        ("touched", "warm, one file changed", TOUCHED_TARGET),
        ("edited", "warm, one helper edited", TOUCHED_TARGET),
    ):
        if label not in f.runs:
            continue
        run, ratio = f.runs[label], f.ratio(label, "cold")
        row(
            name,
            *times(run),
            f"{ratio:.1%} of cold" if ratio is not None else "",
            f"<= {target:.0%}",
            verdict(ratio, target),
        )
    for label in ("serial", "two_jobs"):
        run = f.runs.get(label)
        if run is not None:
            row(LABELS[label], *times(run), f"{f.ratio(label):.2f} x bare parse", "", "")
    if f.single is not None:
        s = f.single
        row(
            f"one file, {s.project_files:,}-file project, warm",
            f"{s.median:.3f}",
            f"{s.median_cpu:.3f}",
            f"median of {len(s.runs)}",
            f"<= {SINGLE_FILE_TARGET} s",
            verdict(s.median, SINGLE_FILE_TARGET),
        )
    if f.parse_cpu_seconds:
        print(
            f"cpu ratio        cold run {cold.cpu_seconds / f.parse_cpu_seconds:.2f} x bare parse "
            "(CPU of all its processes; on an idle machine its wall ratio is at best this / cores)"
        )
    print(
        f"cold run cpu     main process {cold.main_cpu_seconds:.3f} s, "
        f"workers {cold.cpu_seconds - cold.main_cpu_seconds:.3f} s"
    )
    if max(f.load_before[0], f.load_after[0]) > f.cores:
        print(
            f"warning          the load average exceeds the {f.cores} cores: other processes "
            "compete for the CPU,\n                 so the wall times of parallel runs say "
            "little about parallel speed; read the cpu column"
        )
    print(f"touched file     {f.touched_file} (one comment line appended)")
    if f.edited_file:
        print(
            f"edited file      {f.edited_file} (one comment line inserted at the top: the "
            "lines its summary names move)"
        )
    if f.single is not None:
        s = f.single
        print(
            f"one file         {s.target}: {', '.join(f'{t:.3f}' for t in s.runs)} s; "
            f"`python -c 'import asynclint.api'` alone: "
            f"{statistics.median(s.import_runs):.3f} s (median); "
            f"warm-up run {s.warmup_seconds:.1f} s"
        )
    workers = cold.children_peak
    print(
        f"peak RSS         main process {mb(cold.main_peak):,.1f} MB; largest worker "
        f"{mb(workers):,.1f} MB (target <= {mb(WORKER_MEMORY_TARGET):.0f} MB: "
        f"{verdict(workers, WORKER_MEMORY_TARGET) or 'n/a'})"
    )
    if cold.sampled_worker_peaks:
        sampled = ", ".join(f"{mb(p):.1f}" for p in cold.sampled_worker_peaks)
        print(f"                 each worker, sampled: {sampled} MB")
    print(
        "                 (cold run; getrusage in the CLI process: RUSAGE_SELF for it, "
        "RUSAGE_CHILDREN\n                 for the largest of its waited-for workers; "
        "forked workers count the pages\n                 they share with the main process)"
    )
    if f.differences is not None:
        findings = sum(cold.findings.values())
        compared = " = ".join(LABELS[label] for label in ["cold", *f.differences])
        if "two_jobs" not in f.runs:
            compared += " (the cold run had 2 jobs)"
        if f.identical:
            print(f"identical        yes ({findings:,} findings each: {compared})")
        else:
            counts = ", ".join(f"{LABELS[label]}: {n}" for label, n in f.differences.items())
            total = sum(f.differences.values())
            print(f"identical        no ({total} findings differ from the cold run's: {counts})")
