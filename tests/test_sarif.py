"""`--output-format sarif`: a SARIF 2.1.0 log, valid against the official schema."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from asynclint.cli import main
from asynclint.config import Config
from asynclint.diagnostic import Diagnostic, Location
from asynclint.engine import enabled_rules
from asynclint.output import render
from asynclint.output.sarif import SOURCE_ROOT, artifact_location, to_log
from asynclint.rules import load_rules

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

APP = "import time\nimport requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('x')\n"
DOCS = "https://github.com/asynclint/asynclint/blob/main/docs/rules/{}.md"


def validate(log: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert errors == []


def check_sarif(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", "--output-format", "sarif", *args])
    log = json.loads(result.stdout)
    validate(log)
    return result.exit_code, log


def physical(result: dict[str, Any]) -> dict[str, Any]:
    [location] = result["locations"]
    return location["physicalLocation"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(APP)
    broken = tmp_path / "web app"
    broken.mkdir()
    (broken / "broken.py").write_text("x = 1\nasync def f(:\n    pass\n")
    (broken / "blob.py").write_bytes(b"\x00\x01binary")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_schema_rejects_what_sarif_forbids() -> None:
    """The validator bites: a fix without edits, a bad URI, and a wrong version all fail."""
    log = to_log([])
    validate(log)
    for broken in (
        {**log, "version": "2.0.0"},
        {
            **log,
            "runs": [{**log["runs"][0], "results": [{"message": {"text": "m"}, "fixes": [{}]}]}],
        },
        {**log, "runs": [{**log["runs"][0], "originalUriBaseIds": {"X": {"uri": "a b"}}}]},
    ):
        assert not VALIDATOR.is_valid(broken)


def test_cli_sarif_log(project: Path) -> None:
    code, log = check_sarif()
    assert code == 1
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "asynclint"
    assert driver["version"] == "0.1.0"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in enabled_rules(Config())]
    assert run["originalUriBaseIds"] == {SOURCE_ROOT: {"uri": project.as_uri() + "/"}}

    results = run["results"]
    assert [r["ruleId"] for r in results] == ["ASL102", "ASL101", "ASL002", "ASL001"]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        assert physical(result)["artifactLocation"]["uriBaseId"] == SOURCE_ROOT
    uris = [physical(r)["artifactLocation"]["uri"] for r in results]
    assert uris == ["app.py", "app.py", "web%20app/blob.py", "web%20app/broken.py"]
    regions = [physical(r)["region"] for r in results]
    # `time.sleep(1)` is columns 5-17 of line 5: SARIF's end column is the one after it.
    assert regions[0] == {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 18}
    assert regions[1] == {"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 22}
    # Every region is where the other formats put the finding (1-based lines and columns).
    findings = json.loads(CliRunner().invoke(main, ["check", "--output-format", "json"]).stdout)
    assert regions == [
        {
            "startLine": f["location"]["row"],
            "startColumn": f["location"]["column"],
            "endLine": f["end_location"]["row"],
            "endColumn": f["end_location"]["column"],
        }
        for f in findings
    ]
    assert results[3]["message"]["text"].startswith("SyntaxError: ")
    assert "binary" in results[2]["message"]["text"].lower()


def test_cli_sarif_rules_describe_the_docs(project: Path) -> None:
    _, log = check_sarif("--select", "ASL102")
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["ASL001", "ASL002", "ASL102"]  # engine errors are always on
    sleep = rules["ASL102"]
    assert sleep["name"] == "blocking-sleep"
    assert sleep["helpUri"] == DOCS.format("blocking-sleep")
    assert rules["ASL001"]["helpUri"] == DOCS.format("syntax-error")
    assert sleep["shortDescription"]["text"] == "`time.sleep(...)` on the event loop"
    assert rules["ASL002"]["shortDescription"]["text"] == "A file that cannot be checked"
    assert sleep["fullDescription"]["text"] == (
        "Checks for `time.sleep(...)` on the event loop.\n\n"
        "`time.sleep` stops the whole event loop, not just the coroutine that called it: no "
        "other request makes progress until it returns."
    )
    assert sleep["help"]["markdown"].startswith("## What it does\n")
    assert "await asyncio.sleep(1)" in sleep["help"]["text"]


def _apply(text: str, replacement: dict[str, Any]) -> str:
    region = replacement["deletedRegion"]
    lines = text.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        return sum(len(x) for x in lines[: line - 1]) + column - 1

    start = offset(region["startLine"], region["startColumn"])
    end = offset(region["endLine"], region["endColumn"])
    return text[:start] + replacement["insertedContent"]["text"] + text[end:]


def test_cli_sarif_fixes_are_the_edits_asynclint_fix_makes(project: Path) -> None:
    _, log = check_sarif("--select", "ASL102")
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "ASL102"]
    assert result["properties"] == {
        "fix": {"applicability": "safe", "title": "Use `await asyncio.sleep(...)`"}
    }
    [fix] = result["fixes"]
    assert fix["description"]["text"] == "Use `await asyncio.sleep(...)`"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == physical(result)["artifactLocation"]
    [replacement] = change["replacements"]
    before = (project / "app.py").read_text()
    CliRunner().invoke(main, ["fix", "--select", "ASL102", "app.py"])
    assert _apply(before, replacement) == (project / "app.py").read_text() != before
    _, log = check_sarif("--select", "ASL501")  # no fix: neither property nor SARIF fix
    assert all("properties" not in r and "fixes" not in r for r in log["runs"][0]["results"])


def test_cli_sarif_exit_codes(project: Path) -> None:
    assert check_sarif("--exit-zero")[0] == 0
    (project / "clean.py").write_text("async def ok():\n    return 1\n")
    code, log = check_sarif("clean.py")
    assert code == 0
    assert log["runs"][0]["results"] == []


def test_uris_relative_to_the_git_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code scanning reads relative paths from the repository root, not the pyproject's folder."""
    (tmp_path / ".git").mkdir()
    backend = tmp_path / "backend"
    (backend / "app").mkdir(parents=True)
    (backend / "pyproject.toml").write_text("[tool.asynclint]\n")
    (backend / "app" / "main.py").write_text(APP)
    monkeypatch.chdir(backend)
    _, log = check_sarif("app")
    [run] = log["runs"]
    assert run["originalUriBaseIds"][SOURCE_ROOT]["uri"] == tmp_path.as_uri() + "/"
    uris = {physical(r)["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"backend/app/main.py"}


def test_artifact_location(tmp_path: Path) -> None:
    base, cwd = tmp_path / "repo", tmp_path / "repo" / "src"
    assert artifact_location("a/b.py", base, cwd) == {
        "uri": "src/a/b.py",
        "uriBaseId": SOURCE_ROOT,
    }
    assert artifact_location("../x:y#1.py", base, cwd) == {
        "uri": "x%3Ay%231.py",
        "uriBaseId": SOURCE_ROOT,
    }
    outside = tmp_path / "elsewhere" / "é.py"
    assert artifact_location(str(outside), base, cwd) == {"uri": outside.as_uri()}
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    real_file = tmp_path / "real" / "a.py"
    assert artifact_location(str(real_file), tmp_path / "link", cwd) == {
        "uri": "a.py",
        "uriBaseId": SOURCE_ROOT,
    }


def test_render_without_rules_describes_the_rules_found() -> None:
    finding = Diagnostic(
        filename="app/main.py",
        code="ASL402",
        name="cache-on-async-def",
        message="m",
        location=Location(3, 1),
        end_location=Location(4, 12),
    )
    stream = io.StringIO()
    render("sarif", [finding], stream)
    log = json.loads(stream.getvalue())
    validate(log)
    [run] = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["ASL402"]
    [result] = run["results"]
    assert result["ruleIndex"] == 0
    assert physical(result)["region"] == {
        "startLine": 3,
        "startColumn": 1,
        "endLine": 4,
        "endColumn": 12,
    }
    assert load_rules()["ASL402"].url() == run["tool"]["driver"]["rules"][0]["helpUri"]
