"""Output formats for diagnostics.

Each format lives in its own module exposing ``render(diagnostics, stream, *, color=False)``.
Modules are imported lazily so that ``rich`` is only loaded when the text format needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from asynclint.diagnostic import Diagnostic, Edit

if TYPE_CHECKING:
    from asynclint.rule import Rule

FORMATS = ("text", "json", "github", "sarif")


def render(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    stream: TextIO,
    *,
    color: bool = False,
    statistics: bool = False,
    show_fixes: bool = True,
    rules: Sequence[type[Rule]] | None = None,
    root: Path | None = None,
    edits: Mapping[tuple[str, str, int, int], Edit] | None = None,
) -> None:
    """Write ``diagnostics`` to ``stream`` in format ``fmt``; ``edits`` (the fixes as text
    edits, by file, code, line and column) are for ``sarif``.

    ``statistics`` replaces the per-finding listing with per-code counts (JSON for ``json``,
    a table otherwise). ``show_fixes`` controls the ``= help:`` lines of the text format.
    ``rules`` (the enabled rules) and ``root`` (the project root) are for ``sarif``, which
    describes the rules and gives paths relative to the project's repository.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}")

    if statistics:
        if fmt == "json":
            from asynclint.output import json as json_format

            json_format.render_statistics(diagnostics, stream)
        else:
            from asynclint.output import text

            text.render_statistics(diagnostics, stream, color=color)
        return

    if fmt == "text":
        from asynclint.output import text

        text.render(diagnostics, stream, color=color, show_fixes=show_fixes)
    elif fmt == "json":
        from asynclint.output import json as json_format

        json_format.render(diagnostics, stream)
    elif fmt == "sarif":
        from asynclint.output import sarif

        sarif.render(diagnostics, stream, rules=rules, root=root, edits=edits)
    else:
        from asynclint.output import github

        github.render(diagnostics, stream)


__all__ = ["FORMATS", "render"]
