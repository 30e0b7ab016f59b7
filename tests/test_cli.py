"""The command line as users run it: exit codes, formats, selection, config errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint.cli import main

BLOCKING = (
    "import time\nimport requests\n\nasync def f():\n    time.sleep(1)\n    requests.get('x')\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(BLOCKING)
    (tmp_path / "clean.py").write_text("async def ok():\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_findings_exit_1_and_text_format(project: Path) -> None:
    code, out = run("check")
    assert code == 1
    assert "app.py:5:5: ASL102 [*] `time.sleep` blocks the event loop in `async def f`" in out
    assert "app.py:6:5: ASL101 [*] `requests.get`" in out
    assert "    time.sleep(1)" in out and "^^^^^^^^^^^^^ ASL102" in out
    assert "Found 2 errors.\n[*] 2 fixable with `asynclint fix`." in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_fastapi_pin_is_read_from_requirements(project: Path) -> None:
    """A project held to FastAPI 0.92 has no `lifespan` to move `on_event` hooks to."""
    (project / "hooks.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n"
        "@app.on_event('startup')\nasync def start():\n    pass\n"
    )
    assert run("check", "hooks.py")[0] == 1
    (project / "requirements.txt").write_text("fastapi==0.92.0\n")
    assert run("check", "hooks.py", "--no-cache")[0] == 0
    (project / "requirements.txt").write_text("fastapi==0.93.0\n")
    assert "ASL501" in run("check", "hooks.py", "--no-cache")[1]


def test_fastapi_pin_of_a_monorepo_service(project: Path) -> None:
    """Checked from the repository's root, a service's own pin holds its files, cached or not."""
    hooks = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.on_event('startup')\n"
    for service, pin in (("legacy", "fastapi==0.92.0"), ("current", "fastapi==0.110.0")):
        (project / service).mkdir()
        (project / service / "requirements.txt").write_text(pin + "\n")
        (project / service / "main.py").write_text(hooks + "async def start():\n    pass\n")
    for _ in range(2):  # the second run answers from the cache
        out = run("check", ".", "--select", "ASL501")[1]
        assert "current/main.py:5:1: ASL501" in out and "legacy/main.py" not in out
    assert run("check", "legacy/main.py", "--select", "ASL501")[0] == 0  # as pre-commit runs
    (project / "legacy" / "requirements.txt").write_text("fastapi==0.95.0\n")
    assert "legacy/main.py:5:1: ASL501" in run("check", ".", "--select", "ASL501")[1]
    assert "legacy/main.py:5:1: ASL501" in run("check", "legacy/main.py", "--select", "ASL501")[1]


def test_preview_widens_asl301_to_helpers(project: Path) -> None:
    """A helper's N+1 loop is preview behaviour: `--preview` or `preview = true` reports it,
    and `--no-preview` takes the setting back for one run (each with its own cache pack)."""
    (project / "crud.py").write_text(
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\n"
        "async def owners(db: AsyncSession, ids: list[int]):\n"
        "    return [await db.get(dict, i) for i in ids]\n"
    )
    assert run("check", "crud.py")[0] == 0
    code, out = run("check", "crud.py", "--preview")
    assert code == 1 and "crud.py:5:19: ASL301" in out
    (project / "pyproject.toml").write_text("[tool.asynclint]\npreview = true\n")
    assert run("check", "crud.py")[0] == 1
    assert run("check", "crud.py", "--no-preview")[0] == 0
    (project / "pyproject.toml").write_text('[tool.asynclint]\npreview = "yes"\n')
    code, out = run("check", "crud.py")
    assert code == 2 and "preview" in out


def test_clean_exit_0(project: Path) -> None:
    code, out = run("check", "clean.py")
    assert code == 0 and "All checks passed!" in out


def test_exit_zero(project: Path) -> None:
    assert run("check", "--exit-zero")[0] == 0


def test_select_and_ignore_prefixes(project: Path) -> None:
    code, out = run("check", "--select", "ASL102", "--output-format", "json")
    assert [d["code"] for d in json.loads(out)] == ["ASL102"]
    code, out = run("check", "--ignore", "ASL10", "--output-format", "json")
    assert json.loads(out) == [] and code == 0
    code, out = run("check", "--select", "ASL1", "--ignore", "ASL101", "--output-format", "json")
    assert [d["code"] for d in json.loads(out)] == ["ASL102"]


def test_json_uses_ruff_field_names(project: Path) -> None:
    _, out = run("check", "--output-format", "json")
    first = json.loads(out)[0]
    assert {"code", "message", "filename", "location", "end_location", "fix", "url"} <= set(first)
    assert first["location"] == {"row": 5, "column": 5}


def test_github_format(project: Path) -> None:
    _, out = run("check", "--output-format", "github")
    assert out.startswith("::error title=asynclint (ASL102),file=app.py,line=5,col=5")


def test_statistics(project: Path) -> None:
    _, out = run("check", "--statistics")
    assert "ASL101" in out and "blocking-sleep" in out


def test_unknown_config_key_exits_2_naming_key_and_file(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nselct = ['ASL1']\n")
    code, out = run("check")
    assert code == 2
    assert "selct" in out and "pyproject.toml" in out


def test_bad_config_value_exits_2(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.asynclint]\nselect = 'ASL1'\n")
    code, out = run("check")
    assert code == 2 and "select" in out


def test_bad_select_flag_exits_2(project: Path) -> None:
    assert run("check", "--select", "E501")[0] == 2


def test_config_ignore_and_per_file_ignores(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.asynclint]\nignore = ['ASL101']\n[tool.asynclint.per-file-ignores]\n"
        "'app.py' = ['ASL102']\n"
    )
    code, out = run("check")
    assert code == 0, out


def test_extra_blocking_calls(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.asynclint.extra-blocking-calls]\n"boto3.client" = "use aioboto3"\n'
    )
    (project / "s3.py").write_text("import boto3\nasync def f():\n    boto3.client('s3')\n")
    _, out = run("check", "s3.py", "--output-format", "json")
    (finding,) = json.loads(out)
    assert finding["code"] == "ASL100" and "use aioboto3" in finding["message"]


def test_tests_are_skipped_by_default(project: Path) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_app.py").write_text(BLOCKING)
    _, out = run("check", "--output-format", "json")
    assert all("tests" not in d["filename"] for d in json.loads(out))
    _, out = run("check", "--include-tests", "--output-format", "json")
    assert any("tests" in d["filename"] for d in json.loads(out))


def test_rules_and_rule(project: Path) -> None:
    code, out = run("rules")
    assert code == 0 and "ASL102" in out and "blocking-sleep" in out
    code, out = run("rule", "ASL102")
    assert code == 0 and "## What it does" in out and "Use instead:" in out
    assert run("rule", "blocking-sleep")[0] == 0
    assert run("rule", "ASL999")[0] == 2


def test_missing_path_is_reported_not_crashed(project: Path) -> None:
    code, out = run("check", "nope.py")
    assert code == 1 and "ASL002" in out


def test_project_checked_from_another_folder_names_modules_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`from app.deps import Db` is found in shop/app/deps.py when run as `check ~/shop`."""
    shop = tmp_path / "shop"
    (shop / "app" / "routers").mkdir(parents=True)  # namespace packages: no __init__.py
    (shop / "app" / "deps.py").write_text(
        "from typing import Annotated\nfrom fastapi import Depends\n"
        "from sqlalchemy.orm import Session\n\n"
        "def get_db():\n    yield Session()\n\n"
        "Db = Annotated[Session, Depends(get_db)]\n"
    )
    (shop / "app" / "routers" / "users.py").write_text(
        "from fastapi import APIRouter\nfrom app.deps import Db\n\nrouter = APIRouter()\n\n"
        "@router.get('/u')\nasync def users(db: Db):\n    return db.execute('select 1')\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out = run("check", str(shop), "--output-format", "json")
    assert code == 1
    assert [(d["code"], d["location"]["row"]) for d in json.loads(out)] == [("ASL105", 8)]


SLEEPY = "import time\n\n\nasync def f():\n    time.sleep(1)\n"


def test_fix_diff_shows_and_writes_nothing(project: Path) -> None:
    (project / "sleepy.py").write_text(SLEEPY)
    code, out = run("fix", "--diff", "sleepy.py")
    assert code == 1
    assert "-    time.sleep(1)\n+    await asyncio.sleep(1)\n" in out
    assert (project / "sleepy.py").read_text() == SLEEPY


def test_fix_writes_fixed_files_only_and_reports_what_is_left(project: Path) -> None:
    (project / "sleepy.py").write_text(SLEEPY)
    clean = project / "clean.py"
    os.utime(clean, (1_000_000, 1_000_000))
    (project / "stream.py").write_text(
        "import requests\n\nasync def f():\n    return requests.get('u', stream=True)\n"
    )
    code, out = run("fix")
    assert code == 1  # stream=True has no httpx equivalent: no fix
    assert "await asyncio.sleep(1)" in (project / "sleepy.py").read_text()
    app = (project / "app.py").read_text()
    assert "await asyncio.sleep(1)" in app and "await client.get('x'" in app
    assert clean.stat().st_mtime == 1_000_000  # a file without fixes is not rewritten
    assert "stream.py:4:12: ASL101" in out and "ASL102" not in out
    assert "Found 1 error." in out and "Fixed 3 errors." in out


def test_check_fix_is_an_alias_and_a_second_fix_changes_nothing(project: Path) -> None:
    (project / "sleepy.py").write_text(SLEEPY)
    code, _ = run("check", "--fix", "sleepy.py")
    fixed = (project / "sleepy.py").read_text()
    assert code == 0 and "await asyncio.sleep(1)" in fixed
    code, out = run("fix", "sleepy.py")
    assert code == 0 and (project / "sleepy.py").read_text() == fixed
    assert "Fixed 0 errors." in out


def test_fix_stdin_writes_the_fixed_source_to_stdout(project: Path) -> None:
    result = CliRunner().invoke(main, ["fix", "-"], input=SLEEPY)
    assert result.exit_code == 0
    assert result.stdout == SLEEPY.replace("import time", "import asyncio").replace(
        "time.sleep(1)", "await asyncio.sleep(1)"
    )


def test_diff_marks_a_last_line_without_line_break(project: Path) -> None:
    (project / "tail.py").write_text(SLEEPY.rstrip("\n"))
    code, out = run("fix", "--diff", "tail.py")
    assert code == 1
    assert "-    time.sleep(1)\n\\ No newline at end of file\n+    await asyncio.sleep(1)\n" in out
