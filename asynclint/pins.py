"""The FastAPI release a project is held to, read from its declared dependencies.

`fastapi==0.29.0` in requirements.txt, `fastapi = "^0.29"` under `[tool.poetry.dependencies]`
or `"fastapi<=0.92"` in `[project] dependencies` hold the project to an old release, the way
`requires-python` tells ruff the oldest Python a project runs on. Only a declaration with an
upper bound tells: `fastapi>=0.68` may install today's release.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_REQUIREMENT = re.compile(
    r"^\s*fastapi(?![\w.-])\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)", re.IGNORECASE
)
_CLAUSE = re.compile(r"^\s*(?P<op>===|==|<=|<|~=|\^|~)?\s*(?P<version>\d+(?:\.\d+)*)(?:\.\*)?\s*$")
_REQUIREMENT_FILES = ("requirements.txt", "requirements/base.txt", "requirements/prod.txt")


def version_tuple(version: str) -> tuple[int, ...]:
    """`"0.92.1"` -> (0, 92, 1); ValueError when it is not dotted numbers."""
    parts = version.strip().split(".")
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"{version!r} is not a version such as 0.92 or 0.115.2")
    return tuple(int(p) for p in parts)


def declared_fastapi(root: Path) -> str | None:
    """The newest FastAPI release line the project at `root` allows (`"0.29"`), when its
    pyproject.toml or requirements file bounds it from above; None otherwise."""
    for spec in _specs(root):
        newest = newest_allowed(spec)
        if newest is not None:
            return newest
    return None


def newest_allowed(spec: str) -> str | None:
    """The newest release line a specifier allows, if it has an upper bound."""
    bounds = []
    for clause in spec.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            continue
        op, version = match["op"] or "==", match["version"]
        parts = version_tuple(version)
        if op in ("==", "===", "<="):
            bounds.append(parts)
        elif op == "~" or (op == "~=" and len(parts) >= 3) or (op == "^" and parts[0] == 0):
            bounds.append(parts[:2])  # `^0.29`, `~0.29.1`, `~=0.29.1`: 0.29.x
        elif op == "<":
            trimmed = list(parts)
            while len(trimmed) > 2 and trimmed[-1] == 0:
                trimmed.pop()
            if len(trimmed) >= 2 and trimmed[-1] > 0:
                bounds.append((*trimmed[:-1], trimmed[-1] - 1))  # `<0.93` -> 0.92
    return ".".join(map(str, min(bounds))) if bounds else None


def _specs(root: Path) -> Iterator[str]:
    """Each FastAPI version specifier the project declares, pyproject.toml first."""
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    project = data.get("project", {})
    for requirement in [*project.get("dependencies", [])] if isinstance(project, dict) else []:
        match = _REQUIREMENT.match(str(requirement))
        if match:
            yield match["spec"]
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry, dict):
        for table in _poetry_tables(poetry):
            value = table.get("fastapi", table.get("FastAPI"))
            if isinstance(value, dict):
                value = value.get("version")
            if isinstance(value, str):
                yield value
    for name in _REQUIREMENT_FILES:
        try:
            lines = (root / name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            match = _REQUIREMENT.match(line)
            if match:
                yield match["spec"]


def _poetry_tables(poetry: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    dependencies = poetry.get("dependencies")
    if isinstance(dependencies, dict):
        yield dependencies
    groups = poetry.get("group", {})
    for group in groups.values() if isinstance(groups, dict) else ():
        if isinstance(group, dict) and isinstance(group.get("dependencies"), dict):
            yield group["dependencies"]
