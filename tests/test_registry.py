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


def doc_examples(rule: type[Rule]) -> tuple[str, str, Config]:
    doc = rule.__doc__ or ""
    example_part, use_instead_part = doc.split("## Example", 1)[1].split("Use instead:", 1)
    config = Config()
    example = ""
    for language, body in _BLOCK.findall(example_part):
        if language == "toml":
            table = tomllib.loads(_dedent(body))["tool"]["asynclint"]
            config = parse_table(table, Path("pyproject.toml"))
        elif language == "python" and not example:
            example = _dedent(body)
    use_instead = next(
        _dedent(b) for lang, b in _BLOCK.findall(use_instead_part) if lang == "python"
    )
    return example, use_instead, config


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


@pytest.mark.parametrize("code", sorted(c for c in RULES if c != "ASL002"))
def test_doc_example_triggers_and_use_instead_does_not(code: str) -> None:
    example, use_instead, config = doc_examples(RULES[code])
    found = {d.code for d in check_source(example.encode(), "example.py", config).diagnostics}
    assert code in found, f"the Example of {code} does not trigger it"
    found = {d.code for d in check_source(use_instead.encode(), "example.py", config).diagnostics}
    assert code not in found, f"the Use instead of {code} triggers it"


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
