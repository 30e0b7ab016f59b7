"""A baseline: today's findings, recorded so that only new ones are reported.

A finding is recorded by what survives edits elsewhere in its file: its code, its path relative
to the project root, the functions and classes around it (`Class.method`, `<module>`), and its
source line with whitespace collapsed. Findings alike in all of these in one file are told
apart by an occurrence index in the order they appear, so a third `time.sleep(1)` where the
baseline has two is reported as new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from asynclint.atomic import write_atomic
from asynclint.diagnostic import Diagnostic

FORMAT_VERSION = 1
_FIELDS = {"path": str, "code": str, "scope": str, "source": str, "occurrence": int}


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one; the CLI exits 2 with this message."""


@dataclass(frozen=True, order=True)
class Fingerprint:
    path: str
    code: str
    scope: str
    source: str
    occurrence: int


def relative_path(filename: str, root: Path, cwd: Path) -> str:
    """The finding's file relative to `root`, with forward slashes (as given, if outside)."""
    path = Path(filename)
    if not path.is_absolute():
        path = cwd / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return Path(filename).as_posix()


def fingerprints(
    diagnostics: Iterable[Diagnostic], root: Path, cwd: Path
) -> list[tuple[Fingerprint, Diagnostic]]:
    """Each finding with its fingerprint; occurrences counted in the order of the findings."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    found = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        key = (
            relative_path(diagnostic.filename, root, cwd),
            diagnostic.code,
            diagnostic.scope or "<module>",
            " ".join(diagnostic.source_line.split()),
        )
        found.append((Fingerprint(*key, seen[key]), diagnostic))
        seen[key] += 1
    return found


def dumps(diagnostics: Iterable[Diagnostic], root: Path, cwd: Path) -> str:
    """The baseline file's text: a format version and the findings in a stable order."""
    entries = sorted(fingerprint for fingerprint, _ in fingerprints(diagnostics, root, cwd))
    payload = {"version": FORMAT_VERSION, "findings": [asdict(e) for e in entries]}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, diagnostics: Sequence[Diagnostic], root: Path, cwd: Path) -> None:
    """Record `diagnostics` (and nothing else: fixed findings drop out) in `path`, atomically."""
    write_atomic(path, dumps(diagnostics, root, cwd).encode("utf-8"), create=True)


def load(path: Path) -> Counter[Fingerprint]:
    """The fingerprints recorded in `path`, each with how often it is recorded."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise BaselineError(
            f"{path}: baseline file not found; create it with "
            f"`asynclint check --write-baseline {path}`"
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: not a valid baseline (invalid JSON: {error})") from error
    return Counter(_entries(payload, path))


def _entries(payload: Any, path: Path) -> list[Fingerprint]:
    if not isinstance(payload, dict) or "version" not in payload:
        raise BaselineError(f"{path}: not an asynclint baseline (no format version)")
    version = payload["version"]
    if version != FORMAT_VERSION:
        raise BaselineError(
            f"{path}: baseline format version {version!r} is not supported "
            f"(this asynclint reads version {FORMAT_VERSION}); write it again with "
            "`asynclint check --write-baseline`"
        )
    findings = payload.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: not a valid baseline (`findings` must be a list)")
    entries = []
    for number, item in enumerate(findings):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(name), kind) and not isinstance(item.get(name), bool)
            for name, kind in _FIELDS.items()
        ):
            fields = ", ".join(_FIELDS)
            raise BaselineError(
                f"{path}: not a valid baseline (finding {number} needs the fields {fields})"
            )
        entries.append(Fingerprint(**{name: item[name] for name in _FIELDS}))
    return entries


def new_findings(
    diagnostics: Iterable[Diagnostic], baseline: Counter[Fingerprint], root: Path, cwd: Path
) -> tuple[list[Diagnostic], int]:
    """The findings not in the baseline, and how many were hidden because they are."""
    remaining = Counter(baseline)
    new, hidden = [], 0
    for fingerprint, diagnostic in fingerprints(diagnostics, root, cwd):
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
            hidden += 1
        else:
            new.append(diagnostic)
    return new, hidden
