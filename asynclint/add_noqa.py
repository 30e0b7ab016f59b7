"""`--add-noqa`: write `# noqa: ASL...` onto the lines of findings, and change nothing else.

A finding is suppressed by a directive on its first or its last line. The first line is used
unless its end lies inside a multi-line string or it continues with a backslash (no comment can
go there); then the last line; a finding neither line can take is left, with the reason.
Only the lines that get a directive change: line endings, a BOM, the encoding and every other
byte of the file stay as they are.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field

from asynclint.suppress import parse_suppressions, with_codes

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Target:
    """Where a finding may be suppressed: its first and last line, and its code."""

    row: int
    end_row: int
    code: str


@dataclass
class NoqaEdit:
    """The new bytes, how many directives were added, and the findings left as they were."""

    source: bytes
    added: int = 0
    #: (line, code, why no directive could be added).
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class _Lines:
    """What tokenizing the file says about each line's end."""

    comments: dict[int, tuple[int, str]]  # line -> (column, text) of its comment
    blocked: dict[int, str]  # line -> why no comment can end it


def add_noqa(source: bytes, targets: Iterable[Target]) -> NoqaEdit:
    """`source` with each target's code suppressed by a `# noqa` directive."""
    targets = sorted(set(targets), key=lambda t: (t.row, t.code))
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return _skip_all(source, targets, "the file cannot be decoded")
    if "\r" in text.replace("\r\n", ""):
        return _skip_all(source, targets, "the file has lone CR line endings")
    lines = _scan(text)
    if lines is None:
        return _skip_all(source, targets, "the file cannot be tokenized")
    present = parse_suppressions(text)
    wanted: dict[int, list[str]] = {}
    edit = NoqaEdit(source)
    for target in targets:
        if present.suppresses(target.row, target.code) or present.suppresses(
            target.end_row, target.code
        ):
            continue
        rows = dict.fromkeys((target.row, target.end_row))
        row = next((r for r in rows if r not in lines.blocked), None)
        if row is None:
            edit.skipped.append((target.row, target.code, lines.blocked[target.row]))
        elif target.code not in wanted.setdefault(row, []):
            wanted[row].append(target.code)
    texts = text.split("\n")
    raw = source.split(b"\n")
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for row, codes in wanted.items():
        if not 0 < row <= len(texts):
            edit.skipped.extend((row, code, "the line is not in the file") for code in codes)
            continue
        line = texts[row - 1]
        body = line.removesuffix("\r")
        new = _with_directive(body, lines.comments.get(row), codes)
        if new == body:
            continue
        bom = _BOM if row == 1 and encoding == "utf-8-sig" else b""
        try:
            if bom + line.encode(codec) != raw[row - 1]:
                raise UnicodeError("the line does not encode back to its bytes")
            raw[row - 1] = bom + (new + line[len(body) :]).encode(codec)
        except UnicodeError:
            edit.skipped.extend((row, code, "the line cannot be re-encoded") for code in codes)
            continue
        edit.added += len(codes)
    edit.source = b"\n".join(raw)
    return _checked(edit, source, codec, wanted)


def _with_directive(body: str, comment: tuple[int, str] | None, codes: list[str]) -> str:
    if comment is None:
        return body.rstrip(" \t\f") + "  # noqa: " + ", ".join(codes)
    column, text = comment
    return body[:column] + with_codes(text, codes) + body[column + len(text) :]


def _scan(text: str) -> _Lines | None:
    lines = _Lines({}, {})
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    for token in tokens:
        (row, column), (end_row, _) = token.start, token.end
        if token.type == tokenize.COMMENT:
            lines.comments[row] = (column, token.string)
        elif row < end_row and token.type not in (tokenize.NEWLINE, tokenize.NL):
            for inside in range(row, end_row):
                lines.blocked[inside] = "the line ends inside a multi-line string"
    for row, line in enumerate(text.split("\n"), start=1):
        if line.removesuffix("\r").endswith("\\") and row not in lines.comments:
            lines.blocked.setdefault(row, "the line continues with a backslash")
    return lines


def _checked(edit: NoqaEdit, original: bytes, codec: str, wanted: dict[int, list[str]]) -> NoqaEdit:
    """The edit, if every directive is now read where it was meant to be; else no edit."""
    if edit.source == original:
        return edit
    try:
        noqa = parse_suppressions(edit.source.decode(codec).removeprefix("\ufeff"))
    except UnicodeDecodeError:
        noqa = None
    if noqa is None or not all(
        noqa.suppresses(row, code) for row, codes in wanted.items() for code in codes
    ):
        why = "the directive would not be read there"
        skipped = [(row, code, why) for row, codes in wanted.items() for code in codes]
        return NoqaEdit(original, 0, edit.skipped + skipped)
    return edit


def _skip_all(source: bytes, targets: list[Target], why: str) -> NoqaEdit:
    return NoqaEdit(source, 0, [(t.row, t.code, why) for t in targets])
