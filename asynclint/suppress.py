"""`# noqa` comments, read from COMMENT tokens (never from inside strings)."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_NOQA = re.compile(
    r"[#]\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_FILE_NOQA = re.compile(r"[#]\s*asynclint\s*:\s*noqa\b(?!\s*:)", re.IGNORECASE)
ALL = frozenset({"*"})


@dataclass
class Suppressions:
    #: line -> codes suppressed there (ALL for a bare noqa comment).
    lines: dict[int, frozenset[str]] = field(default_factory=dict)
    whole_file: bool = False

    def suppresses(self, line: int, code: str) -> bool:
        if self.whole_file:
            return True
        codes = self.lines.get(line)
        return codes is not None and (codes is ALL or code in codes)


def _comments(text: str) -> list[tuple[int, str]]:
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Syntax newer than this Python's tokenizer: fall back to `#` at a line's end.
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            index = line.find("#")
            if index >= 0:
                found.append((number, line[index:]))
        return found


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "noqa" not in text.lower():
        return result
    for line, comment in _comments(text):
        if _FILE_NOQA.search(comment):
            result.whole_file = True
            continue
        for match in _NOQA.finditer(comment):
            codes = match.group("codes")
            if codes is None:
                result.lines[line] = ALL
            elif result.lines.get(line) is not ALL:
                found = frozenset(c.upper() for c in re.split(r"[\s,]+", codes) if c)
                result.lines[line] = result.lines.get(line, frozenset()) | found
    return result
