"""The cache: what analysing each file gave, so that an unchanged project is not parsed again.

One pack per project root and effective settings, in `.asynclint_cache/` at the project root:
``<tool version>/<fingerprint>.pickle``. The fingerprint hashes the settings, the Python
version and asynclint's own source files, so a change of any of them starts a new pack.

A file's entry is keyed by a hash of its bytes, its name and its module name; its findings
from other modules' answers are kept with a digest of those answers. A file whose size and
modification time match its record (and that was not modified in the second the pack was
written: git's "racy" rule) is not even read. Packs are written atomically, so concurrent runs
never see a torn pack; the last writer wins, which costs the other run's new entries only time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import time
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from asynclint import __version__
from asynclint.atomic import write_atomic

if TYPE_CHECKING:
    from asynclint.config import Config
    from asynclint.diagnostic import Analysis, FileResult
    from asynclint.semantic.summary import ModuleSummary

CACHE_DIR_NAME = ".asynclint_cache"
_FORMAT = 6
_RACY_NS = 2_000_000_000  # files modified this close to the pack's writing are hashed again


def file_key(source: bytes, filename: str, module_name: str) -> str:
    digest = hashlib.blake2b(source, digest_size=20)
    digest.update(b"\0" + filename.encode("utf-8", "surrogateescape"))
    digest.update(b"\0" + module_name.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def answers_digest(answers: object) -> str:
    return hashlib.blake2b(repr(answers).encode(), digest_size=20).hexdigest()


class Entry:
    """What one file's bytes gave: its findings on its own, what it tells the other modules
    (its summary), the names it asked the project index about and the digest of the answers;
    and (for a file whose findings depend on other modules) the digest of their answers and
    the analysis with them.

    In the pack each entry keeps its summary and the rest as pickled bytes, read back only
    when a run needs them: a warm run reads none, a run after an edit the summaries its
    changed files ask about.
    """

    __slots__ = ("_blobs", "_rest", "_summary", "key", "module", "shape", "tells")

    def __init__(
        self,
        key: str,
        analysis: Analysis,
        checked: tuple[str, Analysis] | None = None,
        shape: str = "",
    ) -> None:
        self.key = key
        #: Names what the file tells the other modules: the key of the first bytes of this
        #: file that gave the same summary (an edit inside a function body keeps it).
        self.shape = shape or key
        summary = analysis.summary
        self.module = summary.module if summary is not None else ""
        self.tells = bool(summary)  # its summary says something
        self._summary: tuple[ModuleSummary | None] | None = (summary,)
        self._rest: tuple[FileResult, frozenset[tuple[str, str]], str, object] | None = (
            analysis.result,
            analysis.asked,
            analysis.answered,
            checked,
        )
        self._blobs: tuple[bytes | None, bytes | None] = (None, None)

    @property
    def summary(self) -> ModuleSummary | None:
        if self._summary is None:
            self._summary = (pickle.loads(self._blobs[0]),)  # type: ignore[arg-type]
        return self._summary[0]

    def _parts(self) -> tuple[FileResult, frozenset[tuple[str, str]], str, object]:
        if self._rest is None:
            self._rest = pickle.loads(self._blobs[1])  # type: ignore[arg-type]
        return self._rest  # type: ignore[return-value]

    @property
    def result(self) -> FileResult:
        return self._parts()[0]

    @property
    def asked(self) -> frozenset[tuple[str, str]]:
        return self._parts()[1]

    @property
    def answered(self) -> str:
        return self._parts()[2]

    @property
    def checked(self) -> tuple[str, Analysis] | None:
        return self._parts()[3]  # type: ignore[return-value]

    @checked.setter
    def checked(self, value: tuple[str, Analysis]) -> None:
        self._rest = (*self._parts()[:3], value)
        self._blobs = (self._blobs[0], None)

    def __getstate__(self) -> tuple[object, ...]:
        summary, rest = self._blobs
        if summary is None:
            summary = pickle.dumps(self.summary, protocol=pickle.HIGHEST_PROTOCOL)
        if rest is None:
            rest = pickle.dumps(self._parts(), protocol=pickle.HIGHEST_PROTOCOL)
        self._blobs = (summary, rest)
        return (self.key, self.shape, self.module, self.tells, summary, rest)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.key, self.shape, self.module, self.tells, summary, rest = state  # type: ignore[assignment]
        self._blobs = (summary, rest)  # type: ignore[assignment]
        self._summary = self._rest = None


@dataclass
class Known:
    """What the last whole-project run found in one file, and what that depended on."""

    key: str  # the file's entry
    module: str
    tells: bool  # its summary told the others anything
    shape: str  # what the file told the other modules
    reach: str  # what its summary told about which code runs
    visits: frozenset[str]  # the modules whose summaries the file's answers read
    probes: frozenset[str]  # the module names those answers looked for
    checked: bool  # the findings are those of the analysis with the project's answers
    result: FileResult  # after reachability


@dataclass
class Record:
    mtime_ns: int
    size: int
    entry: Entry


@dataclass
class Cache:
    path: Path | None  # None: caching is off
    records: dict[str, Record] = field(default_factory=dict)
    written_ns: int = 0
    changed: bool = False
    #: What the last whole-project run found: the packages its modules were made of, what it
    #: knew of which code runs, and each file's findings.
    settled: tuple[frozenset[str], object, dict[str, Known]] = (frozenset(), None, {})

    @classmethod
    def open(cls, directory: Path, config: Config) -> Cache:
        """The pack for `config` under `directory`, empty when absent or unreadable."""
        path = directory / __version__ / f"{fingerprint(config)}.pickle"
        cache = cls(path)
        try:
            with path.open("rb") as stream:
                data = pickle.load(stream)
            if data["format"] == _FORMAT:
                cache.records, cache.written_ns = data["records"], data["written_ns"]
                cache.settled = data["settled"]
        except Exception:  # absent, torn by a crash, or from another build: start afresh
            pass
        return cache

    @classmethod
    def disabled(cls) -> Cache:
        return cls(None)

    def unchanged(self, relpath: str, stat: os.stat_result) -> Entry | None:
        """The entry of a file whose size and modification time are as recorded."""
        record = self.records.get(relpath)
        if (
            record is None
            or record.mtime_ns != stat.st_mtime_ns
            or record.size != stat.st_size
            or stat.st_mtime_ns >= self.written_ns - _RACY_NS
        ):
            return None
        return record.entry

    def previous(self, relpath: str) -> Entry | None:
        """What the file's last recorded bytes gave."""
        record = self.records.get(relpath)
        return record.entry if record is not None else None

    def entry(self, relpath: str, key: str) -> Entry | None:
        """The entry recorded for `relpath`, if it was made from the same bytes."""
        record = self.records.get(relpath)
        return record.entry if record is not None and record.entry.key == key else None

    def put(self, relpath: str, stat: os.stat_result, entry: Entry) -> None:
        record = self.records.get(relpath)
        if (
            record is None
            or record.entry is not entry
            or (record.mtime_ns, record.size) != (stat.st_mtime_ns, stat.st_size)
        ):
            self.records[relpath] = Record(stat.st_mtime_ns, stat.st_size, entry)
            self.changed = True

    def settle(self, segments: frozenset[str], reach: object, known: dict[str, Known]) -> None:
        """Remember what a whole-project run found."""
        if self.path is not None:
            self.settled = (segments, reach, known)
            self.changed = True

    def touched(self) -> None:
        """An entry was changed in place (its checked analysis)."""
        self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        data = {
            "format": _FORMAT,
            "written_ns": time.time_ns(),
            "records": self.records,
            "settled": self.settled,
        }
        try:
            _prepare(self.path.parent.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(self.path, data, create=True, durable=False)
            _prune(self.path)
        except OSError:
            pass  # a read-only tree: the run's findings matter, not its cache


def fingerprint(config: Config) -> str:
    """A hash of what a file's analysis depends on besides its bytes: the settings, the
    Python and LibCST builds, and asynclint's own code (its version alone would not change
    while it is being developed). Read from the files' sizes and times, without importing."""
    digest = hashlib.blake2b(repr(astuple(config)).encode(), digest_size=16)
    digest.update(sys.version.encode())
    package = os.path.dirname(os.path.abspath(__file__))
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    spec = importlib.util.find_spec("libcst")
    if spec is not None and spec.origin:
        stat = os.stat(spec.origin)
        digest.update(f"{spec.origin}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


#: Packs kept per tool version: one per set of settings used lately (a pre-commit hook and
#: the command line may differ); older ones go when a run writes its own.
KEEP_PACKS = 8


def _prune(path: Path) -> None:
    """Remove all but the KEEP_PACKS most recently written packs beside `path`."""
    packs = []
    for other in path.parent.glob("*.pickle"):
        try:
            packs.append((other.stat().st_mtime_ns, other))
        except OSError:  # removed by a concurrent run
            continue
    for _, old in sorted(packs, reverse=True)[KEEP_PACKS:]:
        if old != path:
            old.unlink(missing_ok=True)


def _prepare(directory: Path) -> None:
    """Create the cache folder the way tools do: ignored by git, tagged for backup tools."""
    if directory.is_dir():
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text("# Created by asynclint\n*\n", encoding="utf-8")
    (directory / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by asynclint.\n",
        encoding="utf-8",
    )
