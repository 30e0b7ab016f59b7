"""The FastAPI release a project is held to, read from its declared dependencies.

`fastapi==0.29.0` in requirements.txt, `fastapi = "^0.29"` under `[tool.poetry.dependencies]`
or `"fastapi<=0.92"` in `[project] dependencies` hold the project to an old release, the way
`requires-python` tells ruff the oldest Python a project runs on. Only a declaration with an
upper bound tells: `fastapi>=0.68` may install today's release. A file is held by the nearest
folder above it that declares FastAPI (a monorepo's `backend/requirements.txt`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
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
#: What a folder that may declare FastAPI holds.
MANIFESTS = frozenset({"pyproject.toml", "requirements.txt", "requirements"})


def version_tuple(version: str) -> tuple[int, ...]:
    """`"0.92.1"` -> (0, 92, 1); ValueError when it is not dotted numbers."""
    parts = version.strip().split(".")
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"{version!r} is not a version such as 0.92 or 0.115.2")
    return tuple(int(p) for p in parts)


def declared_fastapi(folder: Path) -> str | None:
    """The newest FastAPI release line the manifests in `folder` allow (`"0.29"`): None when
    they do not declare FastAPI, "" when they do without an upper bound."""
    specs = list(_specs(folder))
    bounded = (newest_allowed(spec) for spec in specs)
    return next((newest for newest in bounded if newest is not None), "" if specs else None)


def project_pins(root: Path, folders: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(folder relative to `root`, what it declares) for each of `folders` (those holding
    MANIFESTS) within `root` whose manifests declare FastAPI ("." for `root` itself)."""
    top = os.path.abspath(root)
    pins = []
    for folder in {os.path.abspath(f) for f in folders}:
        if folder != top and not folder.startswith(top + os.sep):
            continue
        declared = declared_fastapi(Path(folder))
        if declared is not None:
            pins.append((Path(os.path.relpath(folder, top)).as_posix(), declared))
    return tuple(sorted(pins))


def manifest_folders(paths: Iterable[Path]) -> list[str]:
    """Those of `paths`' folders and the folders above them that hold MANIFESTS (for a file
    checked alone, without a walk of its project)."""
    found, seen = [], set()
    for path in paths:
        folder = os.path.dirname(os.path.abspath(path))
        while folder not in seen:
            seen.add(folder)
            try:
                if not MANIFESTS.isdisjoint(os.listdir(folder)):
                    found.append(folder)
            except OSError:
                pass
            folder = os.path.dirname(folder)
    return found


def pin_for(pins: tuple[tuple[str, str], ...], relpath: str) -> str | None:
    """The FastAPI release line the nearest declaring folder above `relpath` allows."""
    best: tuple[str, str] | None = None
    for folder, declared in pins:
        inside = folder == "." or relpath.startswith(folder + "/")
        if inside and (best is None or len(folder) > len(best[0]) or best[0] == "."):
            best = (folder, declared)
    if best is None or not best[1]:
        return None
    return best[1]


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


def _specs(folder: Path) -> Iterator[str]:
    """Each FastAPI version specifier the manifests in `folder` declare, pyproject.toml first."""
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text) if "fastapi" in text.lower() else {}
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
            lines = (folder / name).read_text(encoding="utf-8").splitlines()
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
