"""Tests for asynclint.files (file discovery)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from asynclint.files import DEFAULT_EXCLUDES, Discovery, discover, is_test_file


def make(root: Path, *names: str, text: str = "") -> None:
    """Create files (and their parent directories) below ``root``."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rels(result: Discovery, root: Path) -> list[str]:
    """The found files as POSIX paths relative to ``root``."""
    return [p.relative_to(root).as_posix() for p in result.files]


def found(root: Path, paths: Iterable[Path] | None = None, **options: object) -> list[str]:
    result = discover(list(paths) if paths is not None else [root], root=root, **options)  # type: ignore[arg-type]
    assert result.errors == []
    return rels(result, root)


# -- walking -----------------------------------------------------------------------


def test_walk_picks_py_and_pyi_sorted(tmp_path: Path) -> None:
    make(tmp_path, "b.py", "a/z.py", "a/stub.pyi", "a/deep/er/x.py")
    make(tmp_path, "README.md", "a/data.json", "a/script", "a/x.pyc", "a/pyproject.toml")
    assert found(tmp_path) == ["a/deep/er/x.py", "a/stub.pyi", "a/z.py", "b.py"]


def test_returned_paths_are_spelled_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make(tmp_path, "examples/app/main.py", "top.py")
    monkeypatch.chdir(tmp_path)
    result = discover([Path("examples")], root=Path())
    assert result.files == [Path("examples/app/main.py")]
    result = discover([Path(".")], root=Path())
    assert result.files == [Path("examples/app/main.py"), Path("top.py")]


def test_results_are_deduplicated(tmp_path: Path) -> None:
    make(tmp_path, "pkg/a.py", "pkg/b.py")
    paths = [tmp_path / "pkg", tmp_path / "pkg" / "a.py", tmp_path, tmp_path / "pkg"]
    assert found(tmp_path, paths) == ["pkg/a.py", "pkg/b.py"]


# -- excludes ----------------------------------------------------------------------


def test_default_excludes(tmp_path: Path) -> None:
    make(tmp_path, "app/main.py")
    excluded = [
        ".git/hooks/x.py",
        ".venv/lib/x.py",
        "venv/lib/x.py",
        "app/venv/x.py",
        "node_modules/pkg/x.py",
        "build/lib/x.py",
        "dist/x.py",
        "app/__pycache__/x.py",
        ".tox/py311/x.py",
        ".mypy_cache/x.py",
        "lib/site-packages/x.py",
    ]
    make(tmp_path, *excluded)
    assert found(tmp_path) == ["app/main.py"]
    assert "venv" in DEFAULT_EXCLUDES


def test_bare_name_matches_file_at_any_depth(tmp_path: Path) -> None:
    make(tmp_path, "legacy.py", "a/b/legacy.py", "a/b/keep.py")
    assert found(tmp_path, extend_exclude=["legacy.py"]) == ["a/b/keep.py"]


def test_exclude_replaces_defaults(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "gen/y.py", "app.py")
    assert found(tmp_path, exclude=["gen"]) == ["app.py", "venv/x.py"]


def test_extend_exclude_keeps_defaults(tmp_path: Path) -> None:
    make(tmp_path, "venv/x.py", "generated/a.py", "pkg/generated/b.py", "scripts/c.py")
    make(tmp_path, "pkg/scripts/d.py", "pkg/models_pb2.py", "app.py")
    result = found(tmp_path, extend_exclude=["generated/", "/scripts", "*_pb2.py"])
    assert result == ["app.py", "pkg/scripts/d.py"]


def test_exclude_negation(tmp_path: Path) -> None:
    make(tmp_path, "a.pyi", "keep.pyi", "b.py")
    assert found(tmp_path, extend_exclude=["*.pyi", "!keep.pyi"]) == ["b.py", "keep.pyi"]


def test_dir_only_pattern_does_not_match_file(tmp_path: Path) -> None:
    make(tmp_path, "cache/x.py", "other/cache")
    (tmp_path / "cache.py").write_text("")
    assert found(tmp_path, exclude=["cache/"]) == ["cache.py"]


def test_invalid_exclude_pattern_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid exclude pattern"):
        discover([tmp_path], root=tmp_path, exclude=["!"])


# -- .gitignore --------------------------------------------------------------------


def test_nested_gitignore_with_negation(tmp_path: Path) -> None:
    make(tmp_path, "app.py", "gen_pb2.py", "secret/key.py")
    make(tmp_path, "sub/keep_pb2.py", "sub/other_pb2.py", "sub/local.py", "sub/deeper/local.py")
    make(tmp_path, "sub/anchored.py", "sub/deeper/anchored.py", "elsewhere/anchored.py")
    (tmp_path / ".gitignore").write_text("# generated\n*_pb2.py\nsecret/\n\n")
    (tmp_path / "sub" / ".gitignore").write_text("!keep_pb2.py\nlocal.py\n/anchored.py\n")
    assert found(tmp_path) == [
        "app.py",
        "elsewhere/anchored.py",
        "sub/deeper/anchored.py",
        "sub/keep_pb2.py",
    ]


def test_gitignore_only_applies_to_its_subtree(tmp_path: Path) -> None:
    make(tmp_path, "a/x.py", "b/x.py")
    (tmp_path / "a" / ".gitignore").write_text("x.py\n")
    assert found(tmp_path) == ["b/x.py"]


def test_gitignore_whitelist_style(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "pkg/b.py", "pkg/sub/c.pyi", "pkg/notes.txt")
    (tmp_path / ".gitignore").write_text("*\n!*/\n!*.py\n")
    assert found(tmp_path) == ["a.py", "pkg/b.py"]


def test_gitignore_double_star_keeps_directory(tmp_path: Path) -> None:
    make(tmp_path, "d/keep.py", "d/drop.py", "d/sub/drop.py")
    (tmp_path / ".gitignore").write_text("d/**\n!d/keep.py\n")
    assert found(tmp_path) == ["d/keep.py"]


def test_gitignore_can_be_disabled(tmp_path: Path) -> None:
    make(tmp_path, "a.py", "ignored.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    assert found(tmp_path) == ["a.py"]
    assert found(tmp_path, respect_gitignore=False) == ["a.py", "ignored.py"]


def test_gitignore_above_walked_subdirectory_applies(tmp_path: Path) -> None:
    make(tmp_path, "pkg/ignored.py", "pkg/kept.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    assert found(tmp_path, [tmp_path / "pkg"]) == ["pkg/kept.py"]


def test_gitignore_in_repo_above_root_applies(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = repo / "project"
    make(root, "app.py", "gen.py", "local_only.py")
    (repo / ".git" / "info").mkdir(parents=True)
    (repo / ".git" / "info" / "exclude").write_text("local_only.py\n")
    (repo / ".gitignore").write_text("gen.py\n")
    (tmp_path / ".gitignore").write_text("app.py\n")  # above the repo: not honoured
    assert found(root) == ["app.py"]


# -- explicit paths ----------------------------------------------------------------


def test_explicit_file_bypasses_excludes_unless_forced(tmp_path: Path) -> None:
    make(tmp_path, "venv/lib/x.py", "ignored.py", "app.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    explicit = [tmp_path / "venv" / "lib" / "x.py", tmp_path / "ignored.py", tmp_path / "app.py"]
    assert found(tmp_path, explicit) == ["app.py", "ignored.py", "venv/lib/x.py"]
    assert found(tmp_path, explicit, force_exclude=True) == ["app.py"]


def test_explicit_excluded_directory_is_walked_unless_forced(tmp_path: Path) -> None:
    make(tmp_path, "examples/app/main.py", "examples/venv/x.py", "main.py")
    paths = [tmp_path / "examples"]
    assert found(tmp_path, paths, extend_exclude=["examples"]) == ["examples/app/main.py"]
    assert found(tmp_path, paths, extend_exclude=["examples"], force_exclude=True) == []
    assert found(tmp_path, extend_exclude=["examples"]) == ["main.py"]


def test_explicit_file_with_any_extension(tmp_path: Path) -> None:
    make(tmp_path, "bin/serve", "notes.txt")
    paths = [tmp_path / "bin" / "serve", tmp_path / "notes.txt", tmp_path / "bin"]
    assert found(tmp_path, paths) == ["bin/serve", "notes.txt"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    make(tmp_path, "a.py")
    missing = tmp_path / "nope.py"
    result = discover([missing, tmp_path], root=tmp_path)
    assert result.errors == [(missing, "No such file or directory")]
    assert rels(result, tmp_path) == ["a.py"]


# -- tests -------------------------------------------------------------------------


def test_tests_skipped_by_default(tmp_path: Path) -> None:
    make(tmp_path, "app/main.py", "app/test_main.py", "app/main_test.py", "conftest.py")
    make(tmp_path, "tests/helpers.py", "app/test/util.py", "app/testing.py", "app/latest.py")
    assert found(tmp_path) == ["app/latest.py", "app/main.py", "app/testing.py"]
    assert found(tmp_path, include_tests=True) == [
        "app/latest.py",
        "app/main.py",
        "app/main_test.py",
        "app/test/util.py",
        "app/test_main.py",
        "app/testing.py",
        "conftest.py",
        "tests/helpers.py",
    ]


def test_explicit_test_file_checked_unless_forced(tmp_path: Path) -> None:
    make(tmp_path, "tests/test_api.py", "test_top.py")
    paths = [tmp_path / "tests" / "test_api.py", tmp_path / "test_top.py"]
    assert found(tmp_path, paths) == ["test_top.py", "tests/test_api.py"]
    assert found(tmp_path, paths, force_exclude=True) == []
    assert found(tmp_path, paths, force_exclude=True, include_tests=True) == [
        "test_top.py",
        "tests/test_api.py",
    ]


def test_explicit_tests_directory_is_walked(tmp_path: Path) -> None:
    make(tmp_path, "tests/test_api.py", "tests/unit/conftest.py", "tests/venv/x.py")
    assert found(tmp_path, [tmp_path / "tests"]) == [
        "tests/test_api.py",
        "tests/unit/conftest.py",
    ]
    assert found(tmp_path, [tmp_path / "tests"], force_exclude=True) == []


def test_is_test_file() -> None:
    assert is_test_file("test_x.py")
    assert is_test_file("x_test.pyi")
    assert is_test_file("conftest.py")
    assert not is_test_file("testing.py")
    assert not is_test_file("test_x.txt")


# -- symlinks ----------------------------------------------------------------------


def test_dir_symlink_out_of_root_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    make(root, "app.py")
    make(outside, "secret.py")
    (root / "ext").symlink_to(outside, target_is_directory=True)
    assert found(root) == ["app.py"]


def test_dir_symlink_inside_root_reported_once(tmp_path: Path) -> None:
    make(tmp_path, "real/x.py")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "zz").symlink_to(tmp_path / "real", target_is_directory=True)
    assert found(tmp_path) == ["real/x.py"]


def test_dir_symlink_inside_root_followed_when_target_is_excluded(tmp_path: Path) -> None:
    make(tmp_path, "build/gen/x.py")
    (tmp_path / "src").symlink_to(tmp_path / "build" / "gen", target_is_directory=True)
    assert found(tmp_path) == ["src/x.py"]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    make(tmp_path, "a/b/x.py")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    assert found(tmp_path) == ["a/b/x.py"]


def test_file_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make(root, "a.py")
    make(tmp_path, "shared.py")
    (root / "link.py").symlink_to(tmp_path / "shared.py")
    (root / "broken.py").symlink_to(tmp_path / "missing.py")
    assert found(root) == ["a.py", "link.py"]
    result = discover([root / "broken.py"], root=root)
    assert result.errors == [(root / "broken.py", "No such file or directory")]


# -- errors ------------------------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any directory"
)
def test_unreadable_directory_is_reported(tmp_path: Path) -> None:
    make(tmp_path, "ok/a.py", "locked/b.py", "z.py")
    locked = tmp_path / "locked"
    locked.chmod(0)
    try:
        result = discover([tmp_path], root=tmp_path)
    finally:
        locked.chmod(0o755)
    assert result.errors == [(locked, "Permission denied")]
    assert rels(result, tmp_path) == ["ok/a.py", "z.py"]


def test_listing_failure_is_reported_and_walk_continues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same as above, but simulated so that it also runs as root."""
    make(tmp_path, "ok/a.py", "locked/b.py", "z.py")
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = discover([tmp_path], root=tmp_path)
    assert result.errors == [(locked, "Permission denied")]
    assert rels(result, tmp_path) == ["ok/a.py", "z.py"]
