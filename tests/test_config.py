from __future__ import annotations

from pathlib import Path

import pytest

from asynclint.config import Config, ConfigError, find_pyproject, load_config


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_nearest_pyproject_with_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.asynclint]\nselect = ['ASL1']\n")
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.other]\nx = 1\n")
    assert find_pyproject(sub) == (tmp_path / "pyproject.toml").resolve()


def test_values_are_parsed(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path / "pyproject.toml",
            "[tool.asynclint]\nselect = ['ASL1']\nignore = ['ASL103']\n"
            "extend-exclude = ['legacy']\ninclude-tests = true\n"
            "[tool.asynclint.per-file-ignores]\n'scripts/*' = ['ASL1']\n",
        )
    )
    assert config.select == ("ASL1",) and config.ignore == ("ASL103",)
    assert config.extend_exclude == ("legacy",) and config.include_tests
    assert config.ignored_for("scripts/run.py") == {"ASL1"}
    assert config.root == tmp_path.resolve()


@pytest.mark.parametrize(
    "body, needle",
    [
        ("selct = ['ASL1']", "unknown key `selct`"),
        ("select = ['E501']", "select"),
        ("include-tests = 'yes'", "include-tests"),
        ("[tool.asynclint.extra-blocking-calls]\nboto3 = 'x'", "qualified name"),
        ("extra-db-methods = 'myorm.Repo.get'", "extra-db-methods"),
        ("extra-db-methods = ['get']", "qualified method name"),
        ("fastapi-version = 0.92", "fastapi-version"),
        ("fastapi-version = 'latest'", "is not a version"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, body: str, needle: str) -> None:
    text = body if body.startswith("[") else f"[tool.asynclint]\n{body}\n"
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert needle in str(error.value) and str(path) in str(error.value)


def test_extra_db_methods(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path / "pyproject.toml", "[tool.asynclint]\nextra-db-methods = ['myorm.Repo.get']\n"
        )
    )
    assert config.extra_db_methods == ("myorm.Repo.get",)
    assert Config().extra_db_methods == ()


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path / "pyproject.toml", "[tool.asynclint\n"))


def test_selection_specificity() -> None:
    codes = ["ASL001", "ASL101", "ASL102", "ASL201"]
    assert Config(select=("ASL1",)).enabled_codes(codes) == {"ASL001", "ASL101", "ASL102"}
    assert Config(select=("ASL101",), ignore=("ASL1",)).enabled_codes(codes) >= {"ASL101"}
    assert "ASL102" not in Config(select=("ASL101",), ignore=("ASL1",)).enabled_codes(codes)
    assert "ASL001" not in Config(ignore=("ASL001",)).enabled_codes(codes)
