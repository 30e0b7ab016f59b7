"""Human-readable output modelled on ruff's ``full`` format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TextIO

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segments
from rich.style import Style
from rich.text import Text

from asynclint.diagnostic import Diagnostic

TAB_SIZE = 4

_PATH = "bold"
_PUNCT = "cyan"
_CODE = "bold red"
_GUTTER = "bold blue"
_CARET = "bold red"
_HELP = "bold cyan"
_PASSED = "bold green"

# Control characters from user text (source lines, messages, paths) must not reach the
# terminal: they could move the cursor or inject escape sequences. Tabs are expanded instead.
_CONTROL = {c: "\ufffd" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if c != 0x09}


def make_console(stream: TextIO, color: bool) -> Console:
    """A rich console writing to ``stream``, plain unless ``color`` is set."""
    return Console(
        file=stream,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        legacy_windows=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
    )


def _clean(value: str) -> str:
    return value.translate(_CONTROL)


def _display(value: str) -> str:
    return _clean(value).expandtabs(TAB_SIZE)


def _plural(count: int) -> str:
    return f"Found {count} error{'' if count == 1 else 's'}."


def _header(d: Diagnostic) -> Text:
    return Text.assemble(
        (_clean(d.filename), _PATH),
        (":", _PUNCT),
        str(d.location.row),
        (":", _PUNCT),
        str(d.location.column),
        (":", _PUNCT),
        " ",
        (d.code, _CODE),
        " ",
        ("[*] " if d.fixable else ""),
        _clean(d.message),
    )


def caret_span(d: Diagnostic) -> tuple[int, int] | None:
    """The (start, width) in display cells of the caret under ``d.source_line``.

    The span runs from the start column to the end column; when it continues past
    the line (a multi-line call, or an end column beyond the text) it stops at line end.
    Returns ``None`` when there is no source line to show.
    """
    line = d.source_line.rstrip("\r\n")
    if not line:
        return None
    start = min(max(d.location.column, 1) - 1, len(line))
    if d.end_location.row == d.location.row:
        end = min(max(d.end_location.column, 1) - 1, len(line))
    else:
        end = len(line.rstrip())
    prefix = cell_len(_display(line[:start]))
    width = cell_len(_display(line[: max(end, start)])) - prefix
    return prefix, max(width, 1)


def _lines(d: Diagnostic, show_fixes: bool) -> Iterator[Text]:
    yield _header(d)
    row = str(d.location.row)
    pad = " " * len(row)
    bar = Text(f"{pad} |", style=_GUTTER)
    span = caret_span(d)
    if span is not None:
        start, width = span
        yield bar
        yield Text.assemble((f"{row} |", _GUTTER), " ", _display(d.source_line.rstrip("\r\n")))
        yield Text.assemble(
            (f"{pad} |", _GUTTER), " ", " " * start, ("^" * width + " " + d.code, _CARET)
        )
        yield bar
    if show_fixes and d.fix_title:
        yield Text.assemble(pad, " ", ("= help", _HELP), ": ", _clean(d.fix_title))
    yield Text("")


def _plain(line: Text) -> str:
    return line.plain + "\n"


def _styled(line: Text) -> str:
    """The line with its styles as terminal escapes: what `Console.print` writes, without its
    per-call machinery (a run with a thousand findings prints ten thousand lines)."""
    parts = []
    for start, end, style in _spans(line):
        text = line.plain[start:end]
        parts.append(Style.parse(style).render(text, color_system=ColorSystem.STANDARD))
    return "".join(parts) + "\n"


def _spans(line: Text) -> Iterator[tuple[int, int, str]]:
    """(start, end, style) runs covering the line; our lines never nest styles."""
    position = 0
    plain_style = str(line.style or "")
    for span in sorted(line.spans, key=lambda s: s.start):
        if span.start > position:
            yield position, span.start, plain_style
        yield span.start, span.end, str(span.style)
        position = span.end
    if position < len(line.plain) or not line.plain:
        yield position, len(line.plain), plain_style


def render(
    diagnostics: Sequence[Diagnostic],
    stream: TextIO,
    *,
    color: bool = False,
    show_fixes: bool = True,
) -> None:
    """Write each finding with its source snippet, then a one-line summary."""
    console = make_console(stream, color)
    write = _styled if color else _plain
    stream.writelines(write(line) for d in diagnostics for line in _lines(d, show_fixes))
    if diagnostics:
        console.print(_plural(len(diagnostics)))
        fixable = sum(d.fixable for d in diagnostics)
        if fixable:
            console.print(f"[*] {fixable} fixable with `asynclint fix`.", markup=False)
    else:
        console.print(Text("All checks passed!", style=_PASSED))


def render_statistics(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool = False
) -> None:
    """Write a count / code / name table, most frequent first, then a summary line."""
    console = make_console(stream, color)
    if not diagnostics:
        console.print(Text("All checks passed!", style=_PASSED))
        return
    counts = Counter(d.code for d in diagnostics)
    names: dict[str, str] = {}
    for d in diagnostics:
        names.setdefault(d.code, d.name)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(n)) for _, n in rows)
    code_width = max(len(code) for code, _ in rows)
    for code, n in rows:
        row = Text.assemble(
            f"{n:>{count_width}}\t", (f"{code:<{code_width}}", _CODE), "\t", _clean(names[code])
        )
        # Printing a Text would expand the tabs; rendered segments keep them, as ruff does.
        console.print(Segments(row.render(console, end="\n")))
    console.print(_plural(len(diagnostics)))
