"""Suppression hygiene: unused noqa comments (ASL003) and `--add-noqa`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.add_noqa import Target, add_noqa
from asynclint.cli import main
from asynclint.config import Config
from asynclint.engine import check_source, enabled_rules, fix_file

UNUSED = Config(report_unused_noqa=True)


def findings(source: str, config: Config = UNUSED) -> list[tuple[int, int, str, str]]:
    result = check_source(source.encode(), "x.py", config)
    return [(d.location.row, d.location.column, d.code, d.message) for d in result.diagnostics]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- ASL003 -----------------------------------------------------------------------------------

SLEEPS = "import time\n\nasync def f():\n    time.sleep(1)  # noqa: ASL102, ASL101\n"


def test_unused_noqa_is_off_by_default() -> None:
    assert findings("x = 1  # noqa: ASL102\n", Config()) == []
    assert findings("x = 1  # noqa: ASL102\n", Config(select=("ASL003",))) == []


def test_unused_code_is_reported_at_the_directive_naming_it() -> None:
    assert findings("x = 1  # noqa: ASL102\n") == [
        (1, 8, "ASL003", "Unused `noqa` directive (unused: `ASL102`)")
    ]


def test_only_the_unused_codes_are_named() -> None:
    assert findings(SLEEPS) == [(4, 20, "ASL003", "Unused `noqa` directive (unused: `ASL101`)")]


def test_used_codes_and_other_tools_codes_are_not_reported() -> None:
    source = "import time\n\nasync def f():\n    time.sleep(1)  # noqa: E501, ASL102\n"
    assert findings(source) == []
    assert findings("x = 1  # noqa: E501, W291\n") == []


def test_a_blanket_noqa_is_reported_only_when_it_suppresses_nothing() -> None:
    assert findings("x = 1  # noqa\n") == [
        (1, 8, "ASL003", "Unused `noqa` directive (blanket `noqa` suppresses nothing)")
    ]
    assert findings("import time\nasync def f():\n    time.sleep(1)  # noqa\n") == []


def test_codes_of_rules_not_enabled_are_not_reported() -> None:
    config = Config(select=("ASL1",), report_unused_noqa=True)
    assert findings("x = 1  # noqa: ASL501\n", config) == []
    assert [f[2] for f in findings("x = 1  # noqa: ASL102\n", config)] == ["ASL003"]


def test_ignoring_asl003_or_naming_it_in_the_directive_silences_it() -> None:
    config = Config(report_unused_noqa=True, ignore=("ASL003",))
    assert findings("x = 1  # noqa: ASL102\n", config) == []
    assert findings("x = 1  # noqa: ASL102, ASL003\n") == []
    assert findings("# asynclint: noqa\nx = 1  # noqa: ASL102\n") == []


def test_a_directive_on_the_last_line_of_a_multi_line_finding_is_used() -> None:
    source = "import requests\n\nasync def f():\n    requests.get(\n        'x',\n"
    source += "    )  # noqa: ASL101\n"
    assert findings(source) == []


def test_a_directive_in_a_string_is_not_a_directive() -> None:
    assert findings('x = "# noqa: ASL102"\n') == []


def test_unused_noqa_in_a_file_without_any_active_rule() -> None:
    """No rule can match here (nothing they look for): the directive is still checked."""
    assert [f[2] for f in findings("# noqa: ASL105\n")] == ["ASL003"]


def test_fix_reports_unused_noqa_in_what_is_left() -> None:
    source = b"import time\n\nasync def f():\n    time.sleep(1)\n    x = 1  # noqa: ASL101\n"
    outcome = fix_file(source, "m.py", UNUSED, module_name="m", rules=enabled_rules(UNUSED))
    assert outcome.left is not None and outcome.fixed == 1
    assert [(d.location.row, d.code) for d in outcome.left.diagnostics] == [(5, "ASL003")]


def test_cli_flag_and_config_key(project: Path) -> None:
    (project / "a.py").write_text("x = 1  # noqa: ASL102\n")
    assert run("check")[0] == 0
    code, out = run("check", "--report-unused-noqa")
    assert code == 1 and "a.py:1:8: ASL003 Unused `noqa` directive (unused: `ASL102`)" in out
    (project / "pyproject.toml").write_text("[tool.asynclint]\nreport-unused-noqa = true\n")
    assert run("check")[0] == 1
    assert run("check", "--ignore", "ASL003")[0] == 0


# -- --add-noqa -------------------------------------------------------------------------------

BLOCKING = (
    "import time\nimport requests\n\nasync def f():\n"
    "    time.sleep(1)\n    requests.get('x'); time.sleep(2)\n"
)


def test_add_noqa_suppresses_every_finding_and_is_idempotent(project: Path) -> None:
    (project / "app.py").write_text(BLOCKING)
    code, out = run("check", "--add-noqa")
    assert code == 0 and "Added 3 noqa directives." in out
    text = (project / "app.py").read_text()
    assert text == BLOCKING.replace("time.sleep(1)", "time.sleep(1)  # noqa: ASL102").replace(
        "time.sleep(2)", "time.sleep(2)  # noqa: ASL101, ASL102"
    )
    assert run("check", "--report-unused-noqa")[0] == 0
    code, out = run("check", "--add-noqa")
    assert code == 0 and "Added 0 noqa directives." in out
    assert (project / "app.py").read_text() == text


def test_add_noqa_merges_with_existing_comments_and_keeps_crlf_and_bom(project: Path) -> None:
    source = (
        b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n"
        b"    time.sleep(1)  # noqa:E501 (long)\r\n"
        b"    time.sleep(2)   # why we sleep\r\n"
        b"    time.sleep(3)\t \r\n"
        b"    x = 1"
    )
    (project / "app.py").write_bytes(source)
    assert run("check", "--add-noqa")[0] == 0
    assert (project / "app.py").read_bytes() == (
        b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n"
        b"    time.sleep(1)  # noqa:E501, ASL102 (long)\r\n"
        b"    time.sleep(2)   # why we sleep  # noqa: ASL102\r\n"
        b"    time.sleep(3)  # noqa: ASL102\r\n"
        b"    x = 1"
    )


def test_add_noqa_keeps_another_encoding(project: Path) -> None:
    source = "# -*- coding: latin-1 -*-\nimport time\nasync def f():\n    time.sleep(1)  # café\n"
    (project / "app.py").write_bytes(source.encode("latin-1"))
    assert run("check", "--add-noqa")[0] == 0
    assert (project / "app.py").read_bytes() == source.replace(
        "# café", "# café  # noqa: ASL102"
    ).encode("latin-1")


def test_add_noqa_uses_the_last_line_when_the_first_ends_in_a_string(project: Path) -> None:
    source = 'import requests\n\nasync def f():\n    requests.post("x", data="""\nabc""")\n'
    (project / "app.py").write_text(source)
    assert run("check", "--add-noqa")[0] == 0
    assert (project / "app.py").read_text() == source.replace('abc""")', 'abc""")  # noqa: ASL101')
    assert run("check")[0] == 0


def test_add_noqa_skips_and_reports_a_line_inside_a_multi_line_string(project: Path) -> None:
    source = 'import time\n\nasync def f():\n    x = f"""{time.sleep(2)}\n"""\n'
    (project / "app.py").write_text(source)
    result = CliRunner().invoke(main, ["check", "--add-noqa"])
    assert result.exit_code == 1
    assert "app.py:4: ASL102 not suppressed: the line ends inside a multi-line string" in (
        result.stderr
    )
    assert "Added 0 noqa directives." in result.stdout
    assert (project / "app.py").read_text() == source


def test_add_noqa_only_for_findings_not_in_the_baseline(project: Path) -> None:
    (project / "app.py").write_text(BLOCKING)
    run("check", "--write-baseline", "baseline.json")
    (project / "app.py").write_text(BLOCKING + "    time.sleep(3)\n")
    code, out = run("check", "--add-noqa", "--baseline", "baseline.json")
    assert code == 0 and "Added 1 noqa directive." in out
    assert (project / "app.py").read_text().count("noqa") == 1


def test_add_noqa_skips_engine_findings(project: Path) -> None:
    (project / "bad.py").write_text("def f(:\n")
    result = CliRunner().invoke(main, ["check", "--add-noqa", "--output-format", "json"])
    assert result.exit_code == 1 and "ASL001 not suppressed" in result.stderr
    assert (project / "bad.py").read_text() == "def f(:\n"


def test_add_noqa_cannot_be_combined_with_fix_or_stdin(project: Path) -> None:
    assert run("check", "--add-noqa", "--fix")[0] == 2
    assert run("check", "--add-noqa", "-")[0] == 2


def test_add_noqa_leaves_a_backslash_continued_line_and_takes_the_last() -> None:
    source = b"x = a + \\\n    b\ny = 1\n"
    edit = add_noqa(source, [Target(1, 2, "ASL999"), Target(1, 1, "ASL998")])
    assert edit.source == b"x = a + \\\n    b  # noqa: ASL999\ny = 1\n"
    assert edit.added == 1
    assert edit.skipped == [(1, "ASL998", "the line continues with a backslash")]


def test_add_noqa_gives_up_on_undecodable_bytes() -> None:
    edit = add_noqa(b"x = '\xff'\n", [Target(1, 1, "ASL102")])
    assert edit.source == b"x = '\xff'\n" and edit.added == 0
    assert edit.skipped == [(1, "ASL102", "the file cannot be decoded")]


def test_json_output_is_unchanged_by_the_new_options(project: Path) -> None:
    (project / "app.py").write_text(BLOCKING)
    result = CliRunner().invoke(main, ["check", "--output-format", "json"])
    assert [d["code"] for d in json.loads(result.stdout)] == ["ASL102", "ASL101", "ASL102"]


def test_the_codes_other_linters_give_the_same_pitfall_suppress_it() -> None:
    from asynclint.engine import check_source

    source = (
        "import asyncio\nimport time\n\n\nasync def main():\n"
        "    asyncio.create_task(work())  # noqa: RUF006\n"
        "    time.sleep(1)  # noqa: ASYNC251\n"
        "    time.sleep(2)  # noqa: E501\n"
    )
    result = check_source(source.encode(), "jobs.py")
    assert [(d.code, d.location.row) for d in result.diagnostics] == [("ASL102", 8)]
    assert result.suppressed == 2
