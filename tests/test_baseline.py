"""The baseline: record today's findings, then report only new ones."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.baseline import fingerprints, relative_path
from asynclint.cli import main
from asynclint.config import ConfigError, parse_table
from asynclint.engine import check_source

APP = (
    "import time\nimport requests\n\n\n"
    "class Service:\n    async def run(self):\n        time.sleep(1)\n\n\n"
    "async def handler():\n    requests.get('x')\n    time.sleep(1)\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def reported(*args: str) -> list[tuple[str, int]]:
    result = CliRunner().invoke(main, ["check", "--output-format", "json", *args])
    assert "hidden by the baseline" in result.stderr
    return [(d["code"], d["location"]["row"]) for d in json.loads(result.stdout)]


def test_write_baseline_records_the_findings_in_a_stable_versioned_format(project: Path) -> None:
    code, out = run("check", "--write-baseline", "baseline.json")
    assert code == 0 and "Wrote 3 findings" in out
    data = json.loads((project / "baseline.json").read_text())
    assert data["version"] == 1
    assert data["findings"] == [
        {
            "path": "app.py",
            "code": "ASL101",
            "scope": "handler",
            "source": "requests.get('x')",
            "occurrence": 0,
        },
        {
            "path": "app.py",
            "code": "ASL102",
            "scope": "Service.run",
            "source": "time.sleep(1)",
            "occurrence": 0,
        },
        {
            "path": "app.py",
            "code": "ASL102",
            "scope": "handler",
            "source": "time.sleep(1)",
            "occurrence": 0,
        },
    ]
    first = (project / "baseline.json").read_bytes()
    assert run("check", "--write-baseline", "baseline.json")[0] == 0
    assert (project / "baseline.json").read_bytes() == first


def test_lines_inserted_above_findings_still_match(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    (project / "app.py").write_text('"""Docs."""\n\n# a comment\n' + APP.replace("    ", "\t"))
    code, out = run("check", "--baseline", "baseline.json")
    assert code == 0, out
    assert "All checks passed!" in out and "3 findings hidden by the baseline." in out


def test_only_the_new_pitfall_is_reported(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    (project / "app.py").write_text("import os\n" + APP + "    time.sleep(1)\n")
    assert reported("--baseline", "baseline.json") == [("ASL102", 14)]
    code, out = run("check", "--baseline", "baseline.json")
    assert code == 1 and "Found 1 error." in out and "3 findings hidden" in out


def test_a_pitfall_moved_to_another_function_is_new(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    moved = APP.replace("        time.sleep(1)\n", "        pass\n")
    (project / "app.py").write_text(moved + "\n\nasync def other():\n    time.sleep(1)\n")
    assert reported("--baseline", "baseline.json") == [("ASL102", 16)]


def test_a_fixed_finding_drops_out_when_the_baseline_is_rewritten(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    (project / "app.py").write_text(APP.replace("    requests.get('x')\n", ""))
    assert run("check", "--baseline", "baseline.json")[0] == 0
    assert run("check", "--write-baseline", "baseline.json")[0] == 0
    findings = json.loads((project / "baseline.json").read_text())["findings"]
    assert [f["code"] for f in findings] == ["ASL102", "ASL102"]
    (project / "app.py").write_text(APP)  # the fixed finding comes back: it is new again
    assert reported("--baseline", "baseline.json") == [("ASL101", 11)]


def test_write_baseline_exits_0_and_ignores_the_configured_baseline(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.asynclint]\nbaseline = "missing.json"\n')
    assert run("check", "--write-baseline", "new.json")[0] == 0
    assert run("check", "--write-baseline", "missing.json")[0] == 0
    assert run("check")[0] == 0


def test_config_baseline_is_relative_to_the_config_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "ci").mkdir()
    (project / "pyproject.toml").write_text('[tool.asynclint]\nbaseline = "ci/baseline.json"\n')
    assert run("check", "--write-baseline", "ci/baseline.json")[0] == 0
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out = run("check", str(project))
    assert code == 0, out
    (project / "app.py").write_text(APP + "    time.sleep(2)\n")
    code, out = run("check", str(project))
    assert code == 1 and "Found 1 error." in out


def test_fix_applies_the_baseline_to_what_is_left(project: Path) -> None:
    (project / "app.py").write_text(
        "import requests\n\nasync def f():\n    return requests.get('u', stream=True)\n"
    )
    run("check", "--write-baseline", "baseline.json")
    assert run("fix", "--baseline", "baseline.json")[0] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "invalid JSON"),
        ("[]", "no format version"),
        ('{"version": 99, "findings": []}', "version 99 is not supported"),
        ('{"version": 1, "findings": [{"code": "ASL102"}]}', "finding 0 needs the fields"),
        ('{"version": 1}', "`findings` must be a list"),
    ],
)
def test_a_missing_or_corrupt_baseline_is_a_clear_error(
    project: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    code, out = run("check", "--baseline", "baseline.json")
    assert code == 2
    assert message in out and "baseline.json" in out


def test_a_missing_configured_baseline_is_an_error(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.asynclint]\nbaseline = "nope.json"\n')
    code, out = run("check")
    assert code == 2 and "nope.json" in out and "not found" in out


def test_write_baseline_cannot_be_combined_with_fix(project: Path) -> None:
    assert run("check", "--fix", "--write-baseline", "b.json")[0] == 2
    assert not (project / "b.json").exists()


def test_stdin_respects_the_baseline(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    result = CliRunner().invoke(
        main,
        ["check", "-", "--stdin-filename", "app.py", "--baseline", "baseline.json"],
        input=APP + "    time.sleep(5)\n",
    )
    assert result.exit_code == 1 and "app.py:13:5: ASL102" in result.output
    assert "Found 1 error." in result.output


def test_scope_names_the_enclosing_functions_and_classes() -> None:
    source = (
        b"import asyncio, time\nfrom fastapi import FastAPI\napp = FastAPI()\n"
        b"app.add_event_handler('startup', print)\n"
        b"class A:\n    class B:\n        async def m(self):\n"
        b"            def inner():\n                pass\n            time.sleep(1)\n"
        b"async def outer():\n    async def inner():\n        time.sleep(1)\n"
    )
    found = {(d.code, d.scope) for d in check_source(source, "x.py").diagnostics}
    assert found == {("ASL501", "<module>"), ("ASL102", "A.B.m"), ("ASL102", "outer.inner")}


def test_fingerprints_collapse_whitespace_and_count_occurrences(tmp_path: Path) -> None:
    source = b"import time\nasync def f():\n    time.sleep( 1 )\n    time.sleep(\t1 )\n"
    diagnostics = check_source(source, "pkg/x.py").diagnostics
    prints = [p for p, _ in fingerprints(diagnostics, tmp_path, tmp_path)]
    assert [(p.path, p.scope, p.source, p.occurrence) for p in prints] == [
        ("pkg/x.py", "f", "time.sleep( 1 )", 0),
        ("pkg/x.py", "f", "time.sleep( 1 )", 1),
    ]
    assert pickle.loads(pickle.dumps(diagnostics)) == diagnostics


def test_relative_path_uses_forward_slashes_from_the_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    assert relative_path("src/app/x.py", root, root) == "src/app/x.py"
    assert relative_path("../y.py", root, root / "sub") == "y.py"
    assert relative_path(str(root / "a" / "z.py"), root, tmp_path) == "a/z.py"


def test_config_keys_are_parsed_and_checked(tmp_path: Path) -> None:
    config = parse_table(
        {"baseline": "ci/base.json", "report-unused-noqa": True}, tmp_path / "pyproject.toml"
    )
    assert config.baseline == tmp_path / "ci" / "base.json" and config.report_unused_noqa
    with pytest.raises(ConfigError, match="baseline"):
        parse_table({"baseline": 3}, tmp_path / "pyproject.toml")
    with pytest.raises(ConfigError, match="report-unused-noqa"):
        parse_table({"report-unused-noqa": "yes"}, tmp_path / "pyproject.toml")
