"""The pre-commit hooks of .pre-commit-hooks.yaml, run the way pre-commit runs them."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from asynclint.cli import main

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

PYPROJECT = '[tool.asynclint]\nextend-exclude = ["legacy"]\n'

# A blocking sleep in an async route; `requests.get` in a plain `def` route, which FastAPI runs
# in its threadpool, so it is fine.
APP = """\
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow() -> dict[str, str]:
    time.sleep(1)
    return {"status": "done"}


@app.get("/proxy")
def proxy() -> dict[str, int]:
    return {"status": requests.get("https://example.com").status_code}
"""

# Excluded by the project's `extend-exclude`: never checked or fixed, even when passed by name.
LEGACY = """\
import time

import requests
from fastapi import APIRouter

router = APIRouter()


@router.get("/old")
async def old() -> dict[str, int]:
    time.sleep(1)
    return {"status": requests.get("https://example.com").status_code}
"""

# A test module: skipped unless `include-tests`, even when passed by name.
TEST_MODULE = "import time\n\n\nasync def test_waits() -> None:\n    time.sleep(1)\n"

FILES = ("app/main.py", "legacy/old.py", "tests/test_main.py")


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def _project(directory: Path) -> Path:
    for name, text in [
        ("pyproject.toml", PYPROJECT),
        ("app/main.py", APP),
        ("legacy/old.py", LEGACY),
        ("tests/test_main.py", TEST_MODULE),
    ]:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def test_manifest_is_valid_for_pre_commit() -> None:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}
    assert set(hooks) == {"asynclint", "asynclint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi"]
        # One process sees every file, so ASL106 follows helpers across the files committed.
        assert hook["require_serial"] is True


def test_readme_snippet_names_hooks_the_manifest_defines() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## pre-commit", 1)[1].split("\n## ", 1)[0]
    ids = re.findall(r"- id: ([\w-]+)", section)
    assert "asynclint" in ids
    assert set(ids) <= set(_hooks())


@pytest.mark.parametrize("hook_id", ["asynclint", "asynclint-fix"])
def test_hook_command_skips_excluded_files_passed_by_name(
    hook_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook's command line, as pre-commit builds it: entry, then args, then the files."""
    hook = _hooks()[hook_id]
    program, *entry_args = shlex.split(hook["entry"])
    assert program == "asynclint"
    monkeypatch.chdir(_project(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(*files: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, [*entry_args, *hook.get("args", []), *files])
        return result.exit_code, result.output

    code, out = invoke("legacy/old.py", "tests/test_main.py")
    assert (code, out) == (
        0,
        "All checks passed!\n" + ("Fixed 0 errors.\n" if "fix" in hook_id else ""),
    )
    assert (tmp_path / "legacy/old.py").read_text(encoding="utf-8") == LEGACY
    assert (tmp_path / "tests/test_main.py").read_text(encoding="utf-8") == TEST_MODULE

    code, out = invoke(*FILES)
    assert "legacy" not in out and "tests/" not in out
    if hook_id == "asynclint":
        assert code == 1
        assert "app/main.py:11:5: ASL102" in out
        assert (tmp_path / "app/main.py").read_text(encoding="utf-8") == APP
    else:
        assert (code, out) == (0, "All checks passed!\nFixed 1 error.\n")
        assert "await asyncio.sleep(1)" in (tmp_path / "app/main.py").read_text(encoding="utf-8")
    assert (tmp_path / "legacy/old.py").read_text(encoding="utf-8") == LEGACY


def _environment(home: Path) -> dict[str, str]:
    # No GIT_* from a surrounding hook run (GIT_INDEX_FILE would point git at another repo).
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_try_repo_fails_on_a_blocking_call_and_passes_once_fixed(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs this checkout (uncommitted changes included) in a fresh
    virtualenv from PyPI, once per call: slow, so two calls do all the work."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    env = _environment(tmp_path / "pre-commit-home")
    project = _project(tmp_path / "project")
    subprocess.run(["git", "init", "-q"], cwd=project, env=env, check=True)
    subprocess.run(["git", "add", "."], cwd=project, env=env, check=True)
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT)]
    files = ["--color=never", "--files", *FILES]

    # Both hooks, in id order: `asynclint` reports, then `asynclint-fix` rewrites the file.
    first = _run([*try_repo, *files], project, env)
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    check, fix = re.split(r"^asynclint fix\.+", output, maxsplit=1, flags=re.MULTILINE)
    assert re.search(r"^asynclint\.+Failed$", check, re.MULTILINE), output
    assert "app/main.py:11:5: ASL102 [*] `time.sleep` blocks the event loop" in check
    assert "ASL101" not in check  # the `def` route runs in the threadpool
    assert "legacy" not in check and "tests/" not in check
    assert fix.startswith("Failed") and "- files were modified by this hook" in fix, output
    fixed = (project / "app/main.py").read_text(encoding="utf-8")
    assert "await asyncio.sleep(1)" in fixed and "time.sleep" not in fixed
    assert (project / "legacy/old.py").read_text(encoding="utf-8") == LEGACY
    assert (project / "tests/test_main.py").read_text(encoding="utf-8") == TEST_MODULE

    second = _run([*try_repo, "asynclint", *files], project, env)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert re.search(r"^asynclint\.+Passed$", output, re.MULTILINE), output
