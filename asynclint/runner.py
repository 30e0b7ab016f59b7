"""Analyse a project's files: two phases, over a process pool, through the cache.

Phase one analyses every file knowing what the files analysed before it tell (the modules it
imports come first, as far as import cycles allow; a pool's workers know only earlier waves):
its findings, its summary (what it tells the other modules), and the names it asked the project
index about. The summaries make the index. Phase two checks again only the files whose
questions the whole index answers otherwise than it was told; the others' findings are final
after phase one. Both phases are pure functions of a file's bytes and of the answers it received, so
their results are cached under those and are the same with any number of processes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asynclint.cache import Cache, Entry, Known, answers_digest, file_key
from asynclint.config import Config
from asynclint.diagnostic import Analysis, FileResult
from asynclint.semantic.imports import waves
from asynclint.semantic.reach import REACHABLE_ONLY, Reach, reach_facts
from asynclint.semantic.summary import (
    ProjectIndex,
    answers,
    depends,
    module_suffixes,
)

if TYPE_CHECKING:
    from asynclint.rule import Rule

#: The digest of no answers at all: what a file that asked nothing was told.
_NOTHING = answers_digest(())
#: Below this many files to analyse, starting worker processes costs more than it saves.
MIN_POOLED = 16


@dataclass
class SourceFile:
    path: Path
    filename: str  # as messages name it
    module_name: str
    relpath: str  # from the project root: the cache's name for it
    reported: bool = True  # False: only what it tells the other modules is needed


@dataclass
class _Job:
    position: int
    source: bytes
    filename: str
    module_name: str


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def analyse_project(
    files: Sequence[SourceFile],
    config: Config,
    rules: Callable[[], list[type[Rule]]],
    *,
    jobs: int,
    cache: Cache,
    progress: Progress | None = None,
) -> tuple[list[FileResult], ProjectIndex]:
    """The findings of each file (in order; those not reported get an empty result) and the
    project index made of every file's summary. `rules` gives the rules to run, asked only
    when a file has to be analysed (loading them loads the parser)."""
    entries: list[Entry | None] = [None] * len(files)
    results: list[FileResult | None] = [None] * len(files)
    sources: dict[int, bytes] = {}
    stats: dict[int, os.stat_result] = {}
    todo: list[_Job] = []
    for position, file in enumerate(files):
        try:
            stats[position] = stat = file.path.stat()
            entry = cache.unchanged(file.relpath, stat)
            if entry is None:
                source = sources[position] = file.path.read_bytes()
                entry = cache.entry(file.relpath, file_key(source, file.filename, file.module_name))
        except OSError as error:
            results[position] = _unreadable(file, error)
            continue
        if entry is None:
            todo.append(_Job(position, sources[position], file.filename, file.module_name))
        entries[position] = entry
    segments = {part for file in files for part in file.module_name.split(".")}
    # The modules others import are analysed first, so that most files are checked knowing
    # what those tell them (else a second pass parses them again).
    index = ProjectIndex((entry for entry in entries if entry and entry.tells), segments)
    tick = _ticker(progress, len(files))
    tick(len(files) - len(todo))  # the files the cache answered

    def analysed(job: _Job, analysis: Analysis) -> None:
        """A file's first analysis: its entry, and what it tells the files analysed after it
        (in this process, the next file of its wave already knows it)."""
        key = file_key(job.source, job.filename, job.module_name)
        previous = cache.previous(files[job.position].relpath)
        same = previous is not None and previous.summary == analysis.summary
        shape = (previous.shape or previous.key) if same else key  # type: ignore[union-attr]
        entries[job.position] = Entry(key, analysis, shape=shape)
        if analysis.summary:
            index.add(analysis.summary)

    for wave in waves(todo):
        _run(wave, _first_phase, (config, rules, index), jobs, tick, analysed)
    for position, entry in enumerate(entries):
        if entry is not None:
            cache.put(files[position].relpath, stats[position], entry)

    # What the last whole-project run found still holds for a file whose bytes are the same,
    # when the modules its answers came from tell the same, no module of a name they looked
    # for came or went, and which code runs is the same.
    settled_segments, reach, settled = cache.settled
    told_anew: set[str] = set()  # modules that tell the others something new
    moved: set[str] = set()  # modules that came, went, or began or stopped telling anything
    runs_anew = not settled  # what tells which code runs may have changed
    now = {f.relpath: e for f, e in zip(files, entries, strict=True)}
    for relpath in now.keys() | settled.keys():
        entry, known = now.get(relpath), settled.get(relpath)
        after = (entry.module, entry.tells) if entry is not None else None
        before = (known.module, known.tells) if known is not None else None
        if after != before:
            moved.update(pair[0] for pair in (after, before) if pair is not None and pair[1])
            runs_anew = True
        elif entry is not None and known is not None and known.shape != entry.shape:
            told_anew.add(entry.module)
            runs_anew = runs_anew or known.reach != answers_digest(reach_facts(entry.summary))
    names_anew = {suffix for module in moved for suffix in module_suffixes(module)}
    names_anew |= segments ^ settled_segments  # answers leave out types of project packages
    if runs_anew and isinstance(reach, Reach):
        # Judged again; the last run's findings stand if every module keeps its verdict.
        fresh = Reach(e.summary for e in entries if e and e.summary is not None)
        runs_anew, reach = not fresh.agrees(reach), fresh
    elif runs_anew:
        reach = None
    final = [False] * len(files)
    #: What each file's findings depend on: visited modules, probed names, and whether they
    #: come from the analysis with the project's answers (only for a cache to remember).
    remember = cache.path is not None
    depending: dict[int, tuple[frozenset[str], frozenset[str], bool]] = {}
    again: list[_Job] = []
    for position, entry in enumerate(entries):
        if entry is None or not files[position].reported:
            continue
        known = settled.get(files[position].relpath)
        if (
            known is not None
            and known.key == entry.key
            and not known.visits & told_anew
            and not known.probes & names_anew
        ):
            depending[position] = (known.visits, known.probes, known.checked)
            if runs_anew:
                results[position] = entry.checked[1].result if known.checked else entry.result  # type: ignore[index]
            else:
                results[position], final[position] = known.result, True
            continue
        if answers_digest(answers(index, entry.asked)) == entry.answered:
            results[position] = entry.result  # it knew all it needed to know
            if remember:
                depending[position] = (*depends(index, entry.asked), False)
            continue
        if entry.checked is not None:
            digest, analysis = entry.checked
            if answers_digest(answers(index, analysis.asked)) == digest:
                results[position] = analysis.result
                if remember:
                    depending[position] = (*depends(index, analysis.asked), True)
                continue
        source = sources.get(position)
        if source is None:
            try:
                source = files[position].path.read_bytes()
            except OSError as error:
                results[position] = _unreadable(files[position], error)
                continue
        file = files[position]
        again.append(_Job(position, source, file.filename, file.module_name))
    tick = _ticker(progress, len(again), "Checking with the project's answers")

    def checked(job: _Job, analysis: Analysis) -> None:
        entry = entries[job.position]
        assert entry is not None
        entry.checked = (answers_digest(answers(index, analysis.asked)), analysis)
        cache.touched()
        results[job.position] = analysis.result
        if remember:
            depending[job.position] = (*depends(index, analysis.asked), True)

    _run(again, _second_phase, (config, rules, index), jobs, tick, checked)
    found = []
    for position, (result, file) in enumerate(zip(results, files, strict=True)):
        if result is None or not file.reported or final[position] or not result.diagnostics:
            found.append(result or FileResult(file.filename))
            continue
        if reach is None and any(d.code.startswith(REACHABLE_ONLY) for d in result.diagnostics):
            reach = Reach(e.summary for e in entries if e and e.summary is not None)
        kept = reach.keep(file.module_name, result.diagnostics) if reach else result.diagnostics
        if len(kept) != len(result.diagnostics):  # a copy: the cache holds the original
            result = FileResult(result.filename, kept, result.suppressed)
        found.append(result)
    if (
        remember
        and all(f.reported for f in files)
        and not all(final[i] for i, e in enumerate(entries) if e)
    ):
        # A whole project's run (not pre-commit's few files) that found something anew.
        knowns = {}
        for position, (file, entry) in enumerate(zip(files, entries, strict=True)):
            if entry is None or position not in depending:
                continue
            known = settled.get(file.relpath)
            same = known is not None and known.shape == entry.shape
            told = known.reach if same else answers_digest(reach_facts(entry.summary))  # type: ignore[union-attr]
            knowns[file.relpath] = Known(
                entry.key,
                entry.module,
                entry.tells,
                entry.shape,
                told,
                *depending[position],
                found[position],
            )
        cache.settle(frozenset(segments), reach, knowns)
    cache.save()
    return found, index


#: Told how far a run has come: files done, files in all, what is being done.
Progress = Callable[[int, int, str], None]


def _unreadable(file: SourceFile, error: OSError) -> FileResult:
    return engine_error(file.filename, f"Cannot read: {error.strerror or error}")


def _ticker(
    progress: Progress | None, total: int, doing: str = "Analysing"
) -> Callable[[int], None]:
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total, doing)

    return tick


# -- the two phases, as run in a worker (or in this process) ---------------------------------


def analyse_file(source: bytes, filename: str, config: Config, **options: Any) -> Analysis:
    from asynclint.engine import analyse_file as analyse

    return analyse(source, filename, config, **options)


def engine_error(filename: str, detail: str) -> FileResult:
    from asynclint.engine import engine_error as error

    return error(filename, detail)


_State = tuple[Config, "list[type[Rule]]", "ProjectIndex | None"]
_state: _State | None = None


def _set_state(config: Config, rules: list[type[Rule]], index: ProjectIndex | None) -> None:
    global _state
    _state = (config, rules, index)
    # A file's analysis allocates many short-lived CST nodes: collect the young generation less.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), max(threshold[1], 50), max(threshold[2], 100))


def _first_phase(job: _Job) -> Analysis:
    """The file with what the index knows so far; also what it tells the other modules."""
    analysis = _analyse(job, summarize=True)
    assert _state is not None and _state[2] is not None
    analysis.answered = answers_digest(answers(_state[2], analysis.asked))
    return analysis


def _second_phase(job: _Job) -> Analysis:
    """The file again, with what the whole project's index knows."""
    return _analyse(job, summarize=False)


def _analyse(job: _Job, summarize: bool) -> Analysis:
    assert _state is not None
    config, rules, index = _state
    assert index is not None
    return analyse_file(
        job.source,
        job.filename,
        config,
        module_name=job.module_name,
        rules=rules,
        project=index,
        summarize=summarize,
    )


def _run(
    jobs: list[_Job],
    work: Callable[[_Job], Analysis],
    setting: tuple[Config, Callable[[], list[type[Rule]]], ProjectIndex | None],
    processes: int,
    tick: Callable[[int], None],
    each: Callable[[_Job, Analysis], None],
) -> None:
    """Each job's analysis, in this process or over a pool of `processes` workers, handed to
    `each` as it is made (in this process, before the next job starts)."""
    if not jobs:
        return
    config, rules, index = setting
    state: _State = (config, rules(), index)
    if processes <= 1 or len(jobs) < MIN_POOLED:
        saved, threshold = _state, gc.get_threshold()
        _set_state(*state)
        try:
            for job in jobs:
                each(job, work(job))
                tick(1)
            return
        finally:
            _restore(saved)
            gc.set_threshold(*threshold)
    # Largest first: the pool's last minutes are not spent waiting on one big file.
    remaining = sorted(jobs, key=lambda job: -len(job.source))
    done: list[tuple[_Job, Analysis]] = []
    for _attempt in range(2):
        remaining = _pooled(remaining, work, state, processes, done, tick)
        if not remaining:
            break
    else:
        # A worker died twice: analyse the rest one process each, so a crash costs only its
        # file.
        for job in remaining:
            if not _pooled([job], work, state, 1, done, tick):
                continue
            detail = "The analysis of this file crashed its worker process (probably the parser)"
            done.append((job, Analysis(engine_error(job.filename, detail), answered=_NOTHING)))
            tick(1)
    for job, analysis in done:
        each(job, analysis)


def _pooled(
    jobs: list[_Job],
    work: Callable[[_Job], Analysis],
    state: _State,
    processes: int,
    done: list[tuple[_Job, Analysis]],
    tick: Callable[[int], None],
) -> list[_Job]:
    """Run `jobs` over a fresh pool, adding the analyses to `done`; the jobs a dead worker
    took down with it are returned."""
    lost: list[_Job] = []
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(
        max_workers=min(processes, len(jobs)),
        mp_context=context,
        initializer=_set_state,
        initargs=state,
    ) as pool:
        futures = [(job, pool.submit(work, job)) for job in jobs]
        for job, future in futures:
            try:
                done.append((job, future.result()))
                tick(1)
            except BrokenProcessPool:
                lost.append(job)
    return lost


def _restore(saved: _State | None) -> None:
    global _state
    _state = saved
