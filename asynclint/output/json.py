"""JSON output, field-compatible with ruff's ``--output-format json``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from asynclint.diagnostic import Diagnostic


def to_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    """One diagnostic as a JSON-ready dict (keys in ruff's alphabetical order)."""
    return {
        "code": diagnostic.code,
        "end_location": {
            "column": diagnostic.end_location.column,
            "row": diagnostic.end_location.row,
        },
        "filename": diagnostic.filename,
        "fix": {"applicability": diagnostic.fix_applicability, "message": diagnostic.fix_title}
        if diagnostic.fix_applicability
        else None,
        "location": {"column": diagnostic.location.column, "row": diagnostic.location.row},
        "message": diagnostic.message,
        "name": diagnostic.name,
        "noqa_row": diagnostic.location.row,
        "url": diagnostic.url,
    }


def _dump(payload: Any, stream: TextIO) -> None:
    stream.write(json.dumps(payload, indent=2, ensure_ascii=False))
    stream.write("\n")


def render(diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool = False) -> None:
    """Write a JSON array of findings; ``color`` is ignored."""
    _dump([to_dict(d) for d in diagnostics], stream)


def render_statistics(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool = False
) -> None:
    """Write per-code counts as a JSON array, most frequent first."""
    counts = Counter(d.code for d in diagnostics)
    names: dict[str, str] = {}
    for d in diagnostics:
        names.setdefault(d.code, d.name)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    _dump([{"code": code, "name": names[code], "count": n} for code, n in rows], stream)
