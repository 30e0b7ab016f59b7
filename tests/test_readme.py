"""The README's configuration example is valid configuration."""

from __future__ import annotations

import re

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

from asynclint.config import parse_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_config_example_parses() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    tables = [tomllib.loads(b)["tool"]["asynclint"] for b in blocks if "[tool.asynclint" in b]
    assert tables
    for table in tables:
        config = parse_table(table, Path("pyproject.toml"))
        assert config.source == Path("pyproject.toml")


def test_readme_quick_start_output_is_what_check_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from asynclint.cli import main

    sample = re.search(r"```text\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert sample is not None
    monkeypatch.chdir(README.parent)
    result = CliRunner().invoke(main, ["check", "examples/"])
    assert result.exit_code == 1
    assert sample.group(1) in result.output
