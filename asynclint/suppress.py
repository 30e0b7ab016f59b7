"""`# noqa` comments, read from COMMENT tokens (never from inside strings)."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

_NOQA = re.compile(
    r"[#]\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(r"[#]\s*asynclint\s*:\s*noqa\b(?!\s*:)", re.IGNORECASE)
ALL = frozenset({"*"})
#: The code of unused-noqa findings: a directive naming it keeps its line from being reported.
UNUSED_NOQA = "ASL003"
#: The codes other linters give the same pitfall (ruff's RUF006, flake8-async's ASYNCxxx): a
#: line a maintainer already suppressed for them is not reported again.
SAME_AS: dict[str, tuple[str, ...]] = {
    "ASL101": ("ASYNC210", "ASYNC212"),
    "ASL102": ("ASYNC251",),
    "ASL103": ("ASYNC230",),
    "ASL104": ("ASYNC220", "ASYNC221", "ASYNC222"),
    "ASL503": ("RUF006",),
}


@dataclass
class Suppressions:
    #: line -> codes suppressed there (ALL for a bare noqa comment).
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    whole_file: bool = False
    #: line -> 0-based column of the line's first noqa directive.
    columns: dict[int, int] = field(default_factory=dict)

    def suppresses(self, line: int, code: str) -> bool:
        if self.whole_file:
            return True
        codes = self.lines.get(line)
        if codes is None:
            return False
        return codes is ALL or code in codes or any(c in codes for c in SAME_AS.get(code, ()))


def _comments(text: str) -> list[tuple[int, int, str]]:
    """(line, 0-based column, text) of each comment."""
    try:
        return [
            (token.start[0], token.start[1], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Syntax newer than this Python's tokenizer: fall back to `#` at a line's end.
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                found.append((number, index, line[index:]))
        return found


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in text.lower():
        return result
    for line, column, comment in _comments(text):
        if _FILE_NOQA.search(comment):
            result.whole_file = True
            continue
        for match in _NOQA.finditer(comment):
            result.columns.setdefault(line, column + match.start())
            codes = match.group("codes")
            if codes is None:
                result.lines[line] = ALL
            elif result.lines.get(line) is not ALL:
                found = frozenset(c.upper() for c in re.split(r"[\s,]+", codes) if c)
                result.lines[line] = result.lines.get(line, frozenset()) | found
    return result


def unused_directives(
    noqa: Suppressions, used: Mapping[int, Collection[str]], enabled: Collection[str]
) -> list[tuple[int, int, str]]:
    """(line, 1-based column, what is unused) of each noqa directive that suppressed nothing.

    `used` maps a line to the codes its directive suppressed. Only `enabled` codes count: a
    code of another tool (E501) or of a rule not run may well be needed. A directive naming
    UNUSED_NOQA is not reported, nor is anything in a file under `# asynclint: noqa`.
    """
    if noqa.whole_file:
        return []
    found = []
    for line, codes in sorted(noqa.lines.items()):
        column = noqa.columns.get(line, 0) + 1
        if codes is ALL:
            if not used.get(line):
                found.append((line, column, "blanket `noqa` suppresses nothing"))
            continue
        if UNUSED_NOQA in codes:
            continue
        unused = sorted(c for c in codes if c in enabled and c not in used.get(line, ()))
        if unused:
            found.append((line, column, "unused: " + ", ".join(f"`{c}`" for c in unused)))
    return found


def with_codes(comment: str, codes: Collection[str]) -> str:
    """`comment` (a line's comment, from its `#`) suppressing `codes` too.

    The codes join the comment's `# noqa: ...` list, or a `# noqa: ...` is appended to it; a
    bare `# noqa` already suppresses everything and is left as it is.
    """
    match = _NOQA.search(comment)
    if match is None:
        return f"{comment}  # noqa: {', '.join(codes)}"
    if match.group("codes") is None:
        return comment
    present = {c.upper() for c in re.split(r"[\s,]+", match.group("codes"))}
    missing = [c for c in codes if c not in present]
    if not missing:
        return comment
    end = match.end("codes")
    return f"{comment[:end]}, {', '.join(missing)}{comment[end:]}"
