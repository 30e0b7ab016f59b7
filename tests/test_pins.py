"""The FastAPI release a project is held to, read from its declared dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest

from asynclint.pins import (
    declared_fastapi,
    manifest_folders,
    newest_allowed,
    pin_for,
    project_pins,
)


@pytest.mark.parametrize(
    "spec, newest",
    [
        ("==0.29.0", "0.29.0"),
        ("0.29.0", "0.29.0"),  # Poetry: a bare version is exact
        ("==0.29.*", "0.29"),
        ("^0.29", "0.29"),  # Poetry caret below 1.0 keeps the minor
        ("~0.29.1", "0.29"),
        ("~=0.29.1", "0.29"),
        ("<=0.92", "0.92"),
        (">=0.68,<0.93", "0.92"),
        ("<0.93.0", "0.92"),
        (">=0.68", None),  # no upper bound: may install today's release
        ("~=0.29", None),  # below 1.0, any minor
        ("<1.0", None),
        ("^1.2", None),
        ("*", None),
        ("", None),
    ],
)
def test_newest_allowed(spec: str, newest: str | None) -> None:
    assert newest_allowed(spec) == newest


def test_poetry_dependency_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.8"\n'
        'fastapi = { extras = ["all"], version = "^0.79.1" }\n'
    )
    assert declared_fastapi(tmp_path) == "0.79"


def test_project_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n'
        'dependencies = ["fastapi-users==10.0", "fastapi[all]>=0.80,<0.90"]\n'
    )
    assert declared_fastapi(tmp_path) == "0.89"


def test_requirements_skip_other_fastapi_packages(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "fastapi-jwt-auth==0.5.0\nFastAPI==0.104.1  # web\nuvicorn\n"
    )
    assert declared_fastapi(tmp_path) == "0.104.1"


def test_nothing_declared_or_unbounded(tmp_path: Path) -> None:
    assert declared_fastapi(tmp_path) is None
    (tmp_path / "requirements.txt").write_text("fastapi>=0.68\n")
    assert declared_fastapi(tmp_path) == ""  # declared: it stops the search upwards


def test_the_nearest_declaring_folder_holds_a_file(tmp_path: Path) -> None:
    """A monorepo: the backend is held to 0.92, a newer service declares no upper bound, and
    a folder that declares nothing takes its parent's pin."""
    for folder in ("backend/app/api", "service/app", "tools"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "requirements.txt").write_text("fastapi==0.85.0\n")
    (tmp_path / "backend" / "requirements.txt").write_text("fastapi==0.92.0\n")
    (tmp_path / "service" / "pyproject.toml").write_text(
        '[project]\nname = "s"\ndependencies = ["fastapi>=0.100"]\n'
    )
    files = [
        tmp_path / "backend/app/api/routes.py",
        tmp_path / "service/app/main.py",
        tmp_path / "tools/run.py",
    ]
    folders = manifest_folders(files)
    inside = sorted(f for f in folders if f.startswith(str(tmp_path)))
    assert inside == sorted(str(tmp_path / f) for f in ("", "backend", "service"))
    pins = project_pins(tmp_path, folders)
    assert pins == ((".", "0.85.0"), ("backend", "0.92.0"), ("service", ""))
    assert pin_for(pins, "backend/app/api/routes.py") == "0.92.0"
    assert pin_for(pins, "service/app/main.py") is None
    assert pin_for(pins, "tools/run.py") == "0.85.0"
    assert pin_for(pins, "backendish/x.py") == "0.85.0"
