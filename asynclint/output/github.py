"""GitHub Actions workflow commands, one ``::error`` annotation per finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from asynclint.diagnostic import Diagnostic


def escape_data(value: str) -> str:
    """Escape the message part of a workflow command."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a ``key=value`` property of a workflow command."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_annotation(diagnostic: Diagnostic) -> str:
    """The workflow command line (without newline) for one diagnostic."""
    d = diagnostic
    start, end = d.location, d.end_location
    properties = ",".join(
        [
            f"title={escape_property(f'asynclint ({d.code})')}",
            f"file={escape_property(d.filename)}",
            f"line={start.row}",
            f"col={start.column}",
            f"endLine={end.row}",
            f"endColumn={end.column}",
        ]
    )
    data = f"{d.filename}:{start.row}:{start.column}: {d.code} {d.message}"
    return f"::error {properties}::{escape_data(data)}"


def render(diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool = False) -> None:
    """Write one annotation per finding; ``color`` is ignored."""
    for diagnostic in diagnostics:
        stream.write(format_annotation(diagnostic))
        stream.write("\n")
