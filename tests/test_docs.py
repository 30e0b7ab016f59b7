"""docs/rules/ is generated from the rules, is up to date, and every link in it resolves."""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint import docs
from asynclint.config import ALWAYS_ON, Config, ConfigError, parse_table
from asynclint.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
RULES = load_rules()
#: Settings that choose files or rules rather than change what a rule finds.
GENERAL_SETTINGS = {
    "select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "include-tests",
    "respect-gitignore",
    "baseline",
}
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_committed_docs_are_up_to_date() -> None:
    problems = docs.stale(DOCS, docs.render(RULES))
    listed = "\n".join(f"  {p.path.relative_to(ROOT)}: {p.reason}" for p in problems)
    assert not problems, f"docs/rules/ is stale; run `{docs.COMMAND}`:\n{listed}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_url_is_its_generated_page(code: str) -> None:
    rule = RULES[code]
    prefix = "https://github.com/asynclint/asynclint/blob/main/"
    url = rule.url()
    assert url.startswith(prefix)
    assert url.removeprefix(prefix) == f"docs/rules/{docs.filename(rule)}"
    assert (ROOT / url.removeprefix(prefix)).is_file()


def test_every_relative_link_resolves() -> None:
    pages = sorted(DOCS.glob("*.md"))
    assert len(pages) == len(RULES) + 1
    for page in [*pages, ROOT / "README.md"]:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("#"):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            assert path.exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_readme_rule_table_links_every_rule_to_its_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"| [{code}](docs/rules/{docs.filename(rule)}) | {rule.name} |" in readme
    assert docs.COMMAND in readme


def test_index_lists_every_rule() -> None:
    index = docs.render_index(RULES)
    for code, rule in RULES.items():
        row = next(line for line in index.splitlines() if line.startswith(f"| [{code}]("))
        assert f"({docs.filename(rule)})" in row
        assert rule.summary().split("`")[0] in row


def test_rule_page_carries_the_metadata_and_the_docstring() -> None:
    rule = RULES["ASL101"]
    page = docs.render_rule(rule)
    assert page.startswith(docs.MARKER)
    assert "# blocking-http-call (ASL101)" in page
    assert "- **Message:** `` `{callee}` blocks the event loop in {context} ``" in page
    assert "- **Fix:** sometimes available (see [Fix safety](#fix-safety))" in page
    assert f"- **Help:** {rule.fix_title}" in page
    assert "- **Enabled by default:** yes" in page
    assert "- **Settings:** [`fix-http-client`](../../README.md#configuration)" in page
    assert inspect.cleandoc(rule.__doc__ or "") in page
    assert "from the docstring in asynclint/rules/blocking_http_call.py" in page


def test_rule_page_says_when_a_rule_is_always_on_or_has_no_fix() -> None:
    for code in ALWAYS_ON:
        page = docs.render_rule(RULES[code])
        always = f'always; `select` cannot turn it off, only `ignore = ["{code}"]`'
        assert f"- **Enabled by default:** {always}" in page
        assert "- **Fix:** none" in page
        assert "**Settings:**" not in page


def test_declared_settings_are_config_keys() -> None:
    keys = {f.name.replace("_", "-") for f in dataclasses.fields(Config)}
    declared = {key for rule in RULES.values() for key in rule.settings}
    assert declared <= keys
    for key in declared:  # and keys [tool.asynclint] accepts (root/source/pins are not)
        with pytest.raises(ConfigError, match="invalid value"):
            parse_table({key: object()}, Path("pyproject.toml"))
    rule_specific = keys - GENERAL_SETTINGS - {"root", "source", "fastapi-pins"}
    assert rule_specific <= declared, "a setting no rule declares in `settings`"


@pytest.mark.parametrize("code", sorted(RULES))
def test_settings_a_rule_reads_are_declared(code: str) -> None:
    rule = RULES[code]
    source = inspect.getsource(sys.modules[rule.__module__])
    read = {m.replace("_", "-") for m in re.findall(r"\bconfig\.([a-z_]+)", source)}
    assert read <= set(rule.settings)


def test_check_fails_on_stale_docs_and_write_repairs_them(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "rules"

    result = runner.invoke(docs.main, ["--check", "--output", str(out)])
    assert result.exit_code == 1
    assert "missing" in result.output
    assert f"run `{docs.COMMAND}`" in result.output

    assert runner.invoke(docs.main, ["--output", str(out)]).exit_code == 0
    assert runner.invoke(docs.main, ["--check", "--output", str(out)]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(docs.render(RULES))

    page = out / "blocking-sleep.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    leftover = out / "renamed-rule.md"
    leftover.write_text(f"{docs.MARKER} from ... -->\n", encoding="utf-8")
    hand_written = out / "notes.md"
    hand_written.write_text("# Notes\n", encoding="utf-8")
    result = runner.invoke(docs.main, ["--check", "--output", str(out)])
    assert result.exit_code == 1
    assert "blocking-sleep.md: out of date" in result.output
    assert "renamed-rule.md: generated for a rule that no longer exists" in result.output
    assert "notes.md" not in result.output

    assert runner.invoke(docs.main, ["--output", str(out)]).exit_code == 0
    assert not leftover.exists()
    assert hand_written.read_text(encoding="utf-8") == "# Notes\n"
    assert page.read_text(encoding="utf-8") == docs.render_rule(RULES["ASL102"])
    assert runner.invoke(docs.main, ["--check", "--output", str(out)]).exit_code == 0
