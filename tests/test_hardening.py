"""Hostile files and a hostile file system: every problem costs one file and is reported,
the rest of the run goes on, and `fix` never leaves a file torn or half-written."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

import asynclint.api as api
import asynclint.engine as engine
from asynclint.api import check_paths
from asynclint.cli import main
from asynclint.config import Config

SLEEPY = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
FIXED = "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n"


CLI = [sys.executable, "-c", "from asynclint.cli import main; main()"]
#: The children import this asynclint, the one under test.
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _run_cli(*args: str, cwd: Path, user: str | None = None) -> subprocess.CompletedProcess[str]:
    """`asynclint ARGS` in a child process: a crash there cannot take pytest down."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        user=user,
        env=CHILD_ENV,
    )


# --- files ---------------------------------------------------------------------------------


def test_awkward_encodings_and_layouts_are_fixed_or_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "empty.py": b"",
        "bom_crlf.py": codecs.BOM_UTF8 + SLEEPY.replace("\n", "\r\n").encode(),
        "tabs.py": SLEEPY.replace("    ", "\t").encode(),
        "latin1.py": b"# -*- coding: latin-1 -*-\n" + SLEEPY.encode() + b"# caf\xe9\n",
        "not_utf8.py": SLEEPY.encode() + b"# caf\xe9\n",
        "no_final_newline.py": SLEEPY.rstrip("\n").encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fix", "--output-format", "json", "."])
    assert result.exit_code == 1, result.output  # the undecodable file is still a finding
    left = json.loads(result.stdout)
    assert [(d["filename"], d["code"]) for d in left] == [("not_utf8.py", "ASL002")]
    assert "line 6" in left[0]["message"]
    after = {name: (tmp_path / name).read_bytes() for name in files}
    assert after["empty.py"] == b"" and after["not_utf8.py"] == files["not_utf8.py"]
    assert after["bom_crlf.py"] == codecs.BOM_UTF8 + FIXED.replace("\n", "\r\n").encode()
    assert after["tabs.py"] == FIXED.replace("    ", "\t").encode()
    assert after["latin1.py"] == b"# -*- coding: latin-1 -*-\n" + FIXED.encode() + b"# caf\xe9\n"
    assert after["no_final_newline.py"] == FIXED.rstrip("\n").encode()


def test_a_20_mb_file_is_reported_as_too_large_without_being_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = b"x = 1  # " + b"-" * 90 + b"\n"
    (tmp_path / "huge.py").write_bytes(SLEEPY.encode() + line * (20 * 1024 * 1024 // len(line)))
    (tmp_path / "app.py").write_text(SLEEPY)
    parsed: list[int] = []
    parse = engine._parse_module
    monkeypatch.setattr(engine, "_parse_module", lambda s: parsed.append(len(s)) or parse(s))
    started = time.perf_counter()
    result = check_paths([tmp_path], Config(root=tmp_path))
    assert time.perf_counter() - started < 5
    assert parsed == [len(SLEEPY)]  # app.py only
    by_file = {Path(d.filename).name: d for d in result.diagnostics}
    assert by_file["app.py"].code == "ASL102"
    assert by_file["huge.py"].code == "ASL002" and "too large" in by_file["huge.py"].message


def test_deep_nesting_and_long_chains_do_not_crash_the_run(tmp_path: Path) -> None:
    """5,000 nested brackets overflow the parser's stack in-process, and so do long `elif`
    and `and` chains, which no bracket count finds: each file is reported or checked, and the
    run goes on to the others."""
    (tmp_path / "brackets.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (tmp_path / "lists.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "elifs.py").write_text(
        "def f(a):\n    if a == 0:\n        return 0\n"
        + "".join(f"    elif a == {i}:\n        return {i}\n" for i in range(1, 15_000))
    )
    (tmp_path / "ands.py").write_text("ok = (\n    a\n" + "    and a\n" * 15_000 + ")\n")
    (tmp_path / "app.py").write_text(SLEEPY)
    done = _run_cli("check", "--output-format", "json", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # findings; no signal, no internal error
    found = sorted((d["filename"], d["code"]) for d in json.loads(done.stdout))
    assert found == [
        ("app.py", "ASL102"),
        ("brackets.py", "ASL002"),
        ("lists.py", "ASL002"),
    ]


def test_a_long_subscript_chain_is_checked_or_reported_quickly(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text("x = a" + "[0]" * 3000 + "\n")
    try:
        done = subprocess.run(
            [*CLI, "check", "chain.py"],
            cwd=tmp_path,
            capture_output=True,
            timeout=5,
            env=CHILD_ENV,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("not done in 5 s")
    assert done.returncode == 1 and "3000 calls or subscripts" in done.stdout.decode()
    (tmp_path / "chain.py").write_text("x = a" + "[0]" * 300 + "\n")  # parsed (0.1 s)
    done = subprocess.run(
        [*CLI, "check", "chain.py"], cwd=tmp_path, env=CHILD_ENV, check=False, timeout=30
    )
    assert done.returncode in (0, 1)  # checked, or reported as too deeply nested to analyse


# --- the file system -------------------------------------------------------------------------


def test_file_deleted_between_discovery_and_reading_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(SLEEPY)
    discover = api.discover

    def discover_then_delete(*args: object, **kwargs: object) -> api.Discovery:
        found = discover(*args, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "b.py").unlink()
        return found

    monkeypatch.setattr(api, "discover", discover_then_delete)
    result = check_paths([tmp_path], Config(root=tmp_path))
    found = sorted((Path(d.filename).name, d.code) for d in result.diagnostics)
    assert found == [("a.py", "ASL102"), ("b.py", "ASL002"), ("c.py", "ASL102")]
    (gone,) = [d for d in result.diagnostics if d.filename.endswith("b.py")]
    assert "No such file or directory" in gone.message


def test_file_deleted_between_check_and_fix_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(SLEEPY)
    run = api._run

    def run_then_delete(*args: object, **kwargs: object) -> api._Run:
        checked = run(*args, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "b.py").unlink()
        return checked

    monkeypatch.setattr(api, "_run", run_then_delete)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fix", "."])
    assert "b.py: cannot read: No such file or directory" in result.stderr
    assert "Fixed 2 errors." in result.stdout
    assert (tmp_path / "a.py").read_text() == FIXED == (tmp_path / "c.py").read_text()
    assert not (tmp_path / "b.py").exists()  # not written back


def test_file_deleted_before_its_fix_is_written_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(SLEEPY)
    fix = api.fix_paths

    def fix_then_delete(*args: object, **kwargs: object) -> object:
        outcome = fix(*args, **kwargs)  # type: ignore[arg-type]
        (tmp_path / "a.py").unlink()
        return outcome

    monkeypatch.setattr(api, "fix_paths", fix_then_delete)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fix", "."])
    assert result.exit_code == 2
    assert "a.py: cannot write" in result.stderr and "Fixed 1 error." in result.stdout
    assert (tmp_path / "b.py").read_text() == FIXED and not (tmp_path / "a.py").exists()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != ".asynclint_cache")
    assert left == ["b.py"]  # no temporary file left


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A folder anyone may write in (tmp_path's parents are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="asynclint-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def _unprivileged_user() -> str | None:
    """Who runs the child: this user when not root; else `nobody`, when it can run Python."""
    if os.geteuid() != 0:
        return None
    try:
        done = _run_cli("--help", cwd=Path("/"), user="nobody")
    except (OSError, subprocess.SubprocessError):
        return "skip"
    return "nobody" if done.returncode == 0 else "skip"


def test_read_only_file_is_reported_and_the_others_fixed(shared_tree: Path) -> None:
    user = _unprivileged_user()
    if user == "skip":
        pytest.skip("running as root and no unprivileged user can run this Python")
    for name in ("a.py", "locked.py", "z.py"):
        (shared_tree / name).write_text(SLEEPY)
        (shared_tree / name).chmod(0o666)
    (shared_tree / "locked.py").chmod(0o444)
    done = _run_cli("fix", ".", cwd=shared_tree, user=user)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "locked.py: cannot write: [Errno 13] Permission denied" in done.stderr
    assert "Fixed 2 errors." in done.stdout  # the two files it could write
    assert (shared_tree / "locked.py").read_text() == SLEEPY
    assert (shared_tree / "a.py").read_text() == FIXED == (shared_tree / "z.py").read_text()
    assert sorted(p.name for p in shared_tree.iterdir()) == ["a.py", "locked.py", "z.py"]


def test_read_only_file_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, where the test cannot drop root: the permission check itself is what
    stops the write (root may write anything, so os.access is asked as if it were not)."""
    import asynclint.atomic as atomic

    for name in ("a.py", "locked.py"):
        (tmp_path / name).write_text(SLEEPY)
    (tmp_path / "locked.py").chmod(0o444)
    access = os.access
    monkeypatch.setattr(
        atomic.os,
        "access",
        lambda path, mode: access(path, mode) and (os.stat(path).st_mode & 0o222 != 0),
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fix", "."])
    assert result.exit_code == 2
    assert "locked.py: cannot write: [Errno 13] Permission denied" in result.stderr
    assert "Fixed 1 error." in result.stdout  # what was written
    assert (tmp_path / "locked.py").read_text() == SLEEPY
    assert (tmp_path / "a.py").read_text() == FIXED


def test_two_fix_runs_racing_on_one_tree_agree(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    sources = {
        name: (fixtures / name).read_bytes() for name in ("ASL102.py", "ASL503.py", "ASL201.py")
    }
    for number in range(6):  # many small files: many chances to interleave
        sources[f"small_{number}.py"] = (SLEEPY + f"    return {number}\n").encode()
    expected_tree = tmp_path / "expected"
    expected_tree.mkdir()
    for name, data in sources.items():
        (expected_tree / name).write_bytes(data)
    single = _run_cli("fix", "--unsafe-fixes", ".", cwd=expected_tree)
    assert single.returncode in (0, 1), single.stderr
    expected = {p.name: p.read_bytes() for p in expected_tree.iterdir() if p.is_file()}
    assert expected.keys() == sources.keys()
    assert sum(expected[name] != sources[name] for name in sources) == 8  # not ASL201.py

    tree = tmp_path / "raced"
    tree.mkdir()
    for _ in range(2):
        for name, data in sources.items():
            (tree / name).write_bytes(data)
        runs = [
            subprocess.Popen(
                [*CLI, "fix", "--unsafe-fixes", "."],
                cwd=tree,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=CHILD_ENV,
            )
            for _ in range(2)
        ]
        for run in runs:
            _, errors = run.communicate(timeout=120)
            assert run.returncode in (0, 1), errors.decode()
        after = {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()}
        assert after == expected  # every file whole, as one run fixes it; no temporary files
        for data in after.values():
            cst.parse_module(data)


def test_a_file_with_lone_cr_line_breaks_is_left_unchanged_with_an_error(
    tmp_path: Path,
) -> None:
    """LibCST drops the last line break of such a file: it is not fixed, and says why."""
    path = tmp_path / "mac.py"
    path.write_bytes(SLEEPY.replace("\n", "\r").encode())
    (fixed,), result = api.fix_paths([path], Config(root=tmp_path))
    assert fixed.after == fixed.before and fixed.error and "lone CRs" in fixed.error
    assert [d.code for d in result.diagnostics] == ["ASL102"]  # still checked
