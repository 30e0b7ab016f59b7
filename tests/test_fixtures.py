"""The one generic test: every fixture's findings equal its `# expect: ASLxxx` comments."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from asynclint.api import check_paths
from asynclint.config import Config, load_config
from asynclint.engine import check_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(ASL\d{3}(?:\s*,\s*ASL\d{3})*)")


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))


def fixture_projects() -> list[Path]:
    """Directories under fixtures/ are projects: checked together, as `asynclint check DIR`."""
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def expected_findings(source: str) -> set[tuple[int, str]]:
    expected = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            for match in _EXPECT.finditer(token.string):
                for code in re.split(r"\s*,\s*", match.group(1)):
                    expected.add((token.start[0], code))
    return expected


def expected_findings_lenient(source: str) -> set[tuple[int, str]]:
    """For fixtures this Python cannot tokenize (syntax errors, newer syntax)."""
    try:
        return expected_findings(source)
    except (tokenize.TokenError, SyntaxError):
        found = set()
        for number, line in enumerate(source.splitlines(), start=1):
            for match in _EXPECT.finditer(line):
                found.update((number, c) for c in re.split(r"\s*,\s*", match.group(1)))
        return found


def fixture_config(path: Path) -> Config:
    toml = path.with_suffix(".toml")
    return load_config(toml) if toml.exists() else Config()


def found_findings(source: bytes, path: Path) -> set[tuple[int, str]]:
    result = check_source(source, path.name, fixture_config(path))
    return {(d.location.row, d.code) for d in result.diagnostics}


def _explain(source: str, missing: set, unexpected: set) -> str:
    lines = source.splitlines()
    out = []
    for label, items in (("missing", missing), ("unexpected", unexpected)):
        for row, code in sorted(items):
            out.append(f"{label} {code} at line {row}: {lines[row - 1].strip()}")
    return "\n".join(out)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixture_findings_match_expectations(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = expected_findings_lenient(source)
    found = found_findings(path.read_bytes(), path)
    assert found == expected, _explain(source, expected - found, found - expected)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_noqa_silences_every_expected_finding(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = expected_findings_lenient(source)
    if not expected or any(code in ("ASL001", "ASL002") for _, code in expected):
        pytest.skip("nothing suppressible expected")
    silenced = _EXPECT.sub(lambda m: f"# noqa: {m.group(1)}", source)
    assert found_findings(silenced.encode(), path) == set()


def test_every_fixture_has_findings_and_negatives() -> None:
    # A fixture without expectations cannot fail; one without negatives proves no precision.
    for path in fixture_files():
        if path.name.startswith(("contexts_scripts", "ASL001")):
            continue
        source = path.read_text(encoding="utf-8")
        assert expected_findings_lenient(source), f"{path.name} expects nothing"


@pytest.mark.parametrize("project", fixture_projects(), ids=lambda p: p.name)
def test_project_findings_match_expectations(project: Path) -> None:
    result = check_paths([project], Config(root=project))
    found = {(Path(d.filename).resolve(), d.location.row, d.code) for d in result.diagnostics}
    expected = set()
    for path in project.rglob("*.py"):
        for row, code in expected_findings(path.read_text(encoding="utf-8")):
            expected.add((path.resolve(), row, code))
    missing = sorted(expected - found)
    unexpected = sorted(found - expected)
    assert not missing and not unexpected, f"missing {missing}\nunexpected {unexpected}"


def test_example_app_findings_match_expectations() -> None:
    # The README's first command runs on this app: what it shows is what its comments promise.
    examples = FIXTURES.parent / "examples"
    test_project_findings_match_expectations(examples)
