"""Every rule is complete: metadata, doc headings, fixtures, and a doc whose examples hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from asynclint.config import Config, parse_table, tomllib
from asynclint.engine import check_source
from asynclint.rule import DOC_HEADINGS, FixAvailability, Rule, RuleError
from asynclint.rules import load_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULES = load_rules()
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def _dedent(block: str) -> str:
    lines = block.splitlines()
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines) + "\n"


#: Rules whose examples write undecodable bytes as `\xNN` escapes (a file is bytes, not text).
_BYTES_AS_ESCAPES = {"ASL002"}


def doc_examples(rule: type[Rule]) -> tuple[list[str], list[str], Config]:
    """The Python blocks of the Example, those of Use instead (up to the next heading), and
    the configuration a `toml` block of the Example sets."""
    doc = rule.__doc__ or ""
    example_part, use_instead_part = doc.split("## Example", 1)[1].split("Use instead:", 1)
    use_instead_part = re.split(r"^\s*## ", use_instead_part, maxsplit=1, flags=re.MULTILINE)[0]
    config = Config()
    for language, body in _BLOCK.findall(example_part):
        if language == "toml":
            table = tomllib.loads(_dedent(body))["tool"]["asynclint"]
            config = parse_table(table, Path("pyproject.toml"))
    examples = [_dedent(b) for lang, b in _BLOCK.findall(example_part) if lang == "python"]
    use_instead = [_dedent(b) for lang, b in _BLOCK.findall(use_instead_part) if lang == "python"]
    return examples, use_instead, config


def _example_bytes(rule: type[Rule], text: str) -> bytes:
    if rule.code in _BYTES_AS_ESCAPES:
        return text.encode("latin-1").decode("unicode_escape").encode("latin-1")
    return text.encode()


def test_rules_are_registered() -> None:
    assert {"ASL001", "ASL002", "ASL100", "ASL101", "ASL102", "ASL103", "ASL104"} <= set(RULES)
    assert {"ASL105", "ASL107"} <= set(RULES)


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_metadata_and_doc(code: str) -> None:
    rule = RULES[code]
    assert rule.code == code
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert all(heading in (rule.__doc__ or "") for heading in DOC_HEADINGS)
    assert isinstance(rule.fix_availability, FixAvailability)
    assert rule.summary()


@pytest.mark.parametrize("code", sorted(c for c in RULES if not RULES[c].engine_only))
def test_rule_has_fixture(code: str) -> None:
    assert (FIXTURES / f"{code}.py").exists()


@pytest.mark.parametrize("code", sorted(RULES))
def test_doc_example_triggers_and_use_instead_does_not(code: str) -> None:
    rule = RULES[code]
    examples, use_instead, config = doc_examples(rule)
    if rule.engine_only and not examples and not use_instead:
        pytest.skip(f"{code} is emitted by the engine and its doc has no example")
    assert examples, f"the Example of {code} has no ```python block"
    assert use_instead, f"the Use instead of {code} has no ```python block"
    for example in examples:
        source = _example_bytes(rule, example)
        found = {d.code for d in check_source(source, "example.py", config).diagnostics}
        assert code in found, f"the Example of {code} does not trigger it:\n{example}"
    for better in use_instead:
        source = _example_bytes(rule, better)
        found = {d.code for d in check_source(source, "example.py", config).diagnostics}
        assert code not in found, f"the Use instead of {code} triggers it:\n{better}"


def test_bad_metadata_is_refused() -> None:
    with pytest.raises(RuleError):

        class BadCode(Rule):
            """## What it does x ## Why is this bad? x ## Example x Use instead: x"""

            code = "X1"
            name = "bad-code"
            message = "m"

    with pytest.raises(RuleError):

        class Duplicate(Rule):
            """## What it does x ## Why is this bad? x ## Example x Use instead: x"""

            code = "ASL101"
            name = "duplicate"
            message = "m"
