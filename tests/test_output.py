"""Exact output of each format."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from asynclint.diagnostic import Diagnostic, Location
from asynclint.output import FORMATS, render
from asynclint.output import github as github_format
from asynclint.output import text as text_format

ESC = "\x1b["

HTTP = Diagnostic(
    filename="examples/app/main.py",
    code="ASL101",
    name="blocking-http-call",
    message="`requests.get` blocks the event loop in `async def fetch_user`",
    location=Location(12, 9),
    end_location=Location(12, 26),
    source_line="    r = requests.get(url)\n",
    fix_title="Use `httpx.AsyncClient`",
    url="https://example.invalid/rules/ASL101",
)
SLEEP = Diagnostic(
    filename="examples/app/worker.py",
    code="ASL102",
    name="blocking-sleep",
    message="`time.sleep` blocks the event loop in `async def poll`",
    location=Location(8, 5),
    end_location=Location(8, 18),
    source_line="    time.sleep(2)",
)
TWO = [HTTP, SLEEP]


def run(fmt: str, diagnostics: list[Diagnostic], **kwargs: bool) -> str:
    stream = io.StringIO()
    render(fmt, diagnostics, stream, color=kwargs.pop("color", False), **kwargs)
    return stream.getvalue()


def test_formats() -> None:
    assert FORMATS == ("text", "json", "github", "sarif")
    with pytest.raises(ValueError):
        run("xml", TWO)


def test_text_exact() -> None:
    assert run("text", TWO) == (
        "examples/app/main.py:12:9: ASL101 "
        "`requests.get` blocks the event loop in `async def fetch_user`\n"
        "   |\n"
        "12 |     r = requests.get(url)\n"
        "   |         ^^^^^^^^^^^^^^^^^ ASL101\n"
        "   |\n"
        "   = help: Use `httpx.AsyncClient`\n"
        "\n"
        "examples/app/worker.py:8:5: ASL102 "
        "`time.sleep` blocks the event loop in `async def poll`\n"
        "  |\n"
        "8 |     time.sleep(2)\n"
        "  |     ^^^^^^^^^^^^^ ASL102\n"
        "  |\n"
        "\n"
        "Found 2 errors.\n"
    )


def test_text_single_and_empty() -> None:
    assert run("text", [SLEEP]).endswith("\nFound 1 error.\n")
    assert run("text", []) == "All checks passed!\n"


def test_text_show_fixes_off() -> None:
    assert "= help" not in run("text", TWO, show_fixes=False)


def test_text_caret_clamped_to_line_end() -> None:
    multi = Diagnostic(
        filename="a.py",
        code="ASL101",
        name="blocking-http-call",
        message="m",
        location=Location(3, 9),
        end_location=Location(6, 5),
        source_line="    r = requests.post(  \n",
    )
    assert "  |         ^^^^^^^^^^^^^^ ASL101\n" in run("text", [multi])
    past_end = replace(multi, end_location=Location(3, 80))
    assert "  |         ^^^^^^^^^^^^^^^^ ASL101\n" in run("text", [past_end])


def test_text_tabs_align() -> None:
    tabbed = replace(
        SLEEP,
        source_line="\ttime.sleep(2)",
        location=Location(8, 2),
        end_location=Location(8, 15),
    )
    out = run("text", [tabbed])
    assert "8 |     time.sleep(2)\n  |     ^^^^^^^^^^^^^ ASL102\n" in out


def test_text_color() -> None:
    plain = run("text", TWO, color=False)
    colored = run("text", TWO, color=True)
    assert ESC not in plain
    assert ESC in colored
    assert ESC not in run("text", TWO, statistics=True)


def test_text_no_markup_or_control_injection() -> None:
    nasty = replace(SLEEP, message="[bold red]boom[/] \x1b[2J", fix_title="[link]x")
    for color in (False, True):
        out = run("text", [nasty], color=color)
        assert "[bold red]boom[/]" in out
        assert "[link]x" in out
        assert "\x1b[2J" not in out


def test_statistics() -> None:
    out = run("text", [HTTP, SLEEP, HTTP], statistics=True)
    assert out == ("2\tASL101\tblocking-http-call\n1\tASL102\tblocking-sleep\nFound 3 errors.\n")
    assert run("text", [], statistics=True) == "All checks passed!\n"
    assert json.loads(run("json", [HTTP, SLEEP, HTTP], statistics=True)) == [
        {"code": "ASL101", "name": "blocking-http-call", "count": 2},
        {"code": "ASL102", "name": "blocking-sleep", "count": 1},
    ]


def test_statistics_direct() -> None:
    stream = io.StringIO()
    text_format.render_statistics([SLEEP], stream)
    assert stream.getvalue() == "1\tASL102\tblocking-sleep\nFound 1 error.\n"


def test_json_exact() -> None:
    out = run("json", TWO)
    assert out.endswith("]\n")
    assert out.startswith('[\n  {\n    "code": "ASL101",\n')
    assert json.loads(out) == [
        {
            "code": "ASL101",
            "end_location": {"column": 26, "row": 12},
            "filename": "examples/app/main.py",
            "fix": None,
            "location": {"column": 9, "row": 12},
            "message": "`requests.get` blocks the event loop in `async def fetch_user`",
            "name": "blocking-http-call",
            "noqa_row": 12,
            "url": "https://example.invalid/rules/ASL101",
        },
        {
            "code": "ASL102",
            "end_location": {"column": 18, "row": 8},
            "filename": "examples/app/worker.py",
            "fix": None,
            "location": {"column": 5, "row": 8},
            "message": "`time.sleep` blocks the event loop in `async def poll`",
            "name": "blocking-sleep",
            "noqa_row": 8,
            "url": None,
        },
    ]
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"


def test_json_ignores_color_and_empty() -> None:
    assert run("json", TWO, color=True) == run("json", TWO)
    assert run("json", []) == "[]\n"


def test_github_exact() -> None:
    assert run("github", TWO) == (
        "::error title=asynclint (ASL101),file=examples/app/main.py,"
        "line=12,col=9,endLine=12,endColumn=26::"
        "examples/app/main.py:12:9: ASL101 "
        "`requests.get` blocks the event loop in `async def fetch_user`\n"
        "::error title=asynclint (ASL102),file=examples/app/worker.py,"
        "line=8,col=5,endLine=8,endColumn=18::"
        "examples/app/worker.py:8:5: ASL102 "
        "`time.sleep` blocks the event loop in `async def poll`\n"
    )
    assert run("github", TWO, color=True) == run("github", TWO)
    assert run("github", []) == ""


def test_github_escaping() -> None:
    assert github_format.escape_data("50%\r\nok: a,b") == "50%25%0D%0Aok: a,b"
    assert github_format.escape_property("C:\\x,y%\n") == "C%3A\\x%2Cy%25%0A"
    odd = replace(SLEEP, filename="we,ird:name.py", message="100% bad\nreally")
    assert run("github", [odd]) == (
        "::error title=asynclint (ASL102),file=we%2Cird%3Aname.py,"
        "line=8,col=5,endLine=8,endColumn=18::"
        "we,ird:name.py:8:5: ASL102 100%25 bad%0Areally\n"
    )


def test_color_flag_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "dumb")
    assert ESC in run("text", TWO, color=True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESC not in run("text", TWO, color=False)


def test_rich_imported_lazily() -> None:
    code = "import sys, asynclint.output; assert 'rich' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
