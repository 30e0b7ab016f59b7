"""`[tool.asynclint]` in pyproject.toml -> a frozen Config; an unknown key is a clear error."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from asynclint.files import DEFAULT_EXCLUDES
from asynclint.pins import pin_for, version_tuple

_SELECTOR = re.compile(r"(ASL\d{0,3}|ALL)")
_QNAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
ALWAYS_ON = ("ASL001", "ASL002")
#: Only on with `report-unused-noqa` (`--report-unused-noqa`), whatever `select` says.
UNUSED_NOQA = "ASL003"


class ConfigError(Exception):
    """A configuration problem; the CLI exits 2 with this message."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = tuple(DEFAULT_EXCLUDES)
    extend_exclude: tuple[str, ...] = ()
    extra_blocking_calls: Mapping[str, str] = field(default_factory=dict)
    #: Qualified method names (`myorm.Repo.get`) that run a database query, for ASL301.
    extra_db_methods: tuple[str, ...] = ()
    include_tests: bool = False
    respect_gitignore: bool = True
    #: The client ASL101's fix writes: "httpx" or "httpx2"; None: httpx2 where the file
    #: already imports it, else httpx.
    fix_http_client: str | None = None
    #: The FastAPI release the project runs (`"0.92"`); unset: each file's is read from a pin
    #: in the pyproject.toml or requirements.txt of the nearest folder above it that declares
    #: FastAPI (`fastapi_pins`, see `asynclint.pins`).
    fastapi_version: str | None = None
    #: (folder relative to root, the release line it allows or "") for each folder of the
    #: checked files that declares FastAPI; found by the run, not a setting.
    fastapi_pins: tuple[tuple[str, str], ...] = ()
    #: Report noqa comments that suppress nothing (ASL003).
    report_unused_noqa: bool = False
    #: Preview behaviour of stable rules: wider shapes that find more and are right less
    #: often (ASL301 in routes that write, in helpers and over what the client sent), as
    #: ruff's `preview`.
    preview: bool = False
    #: The baseline file: findings recorded there are not reported. A config file's relative
    #: path is taken relative to that file's folder.
    baseline: Path | None = None
    #: The project root: the directory of the pyproject.toml used, else the working directory.
    root: Path = field(default_factory=Path.cwd)
    #: The file the settings came from, if any.
    source: Path | None = None

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def for_file(self, filename: str) -> Config:
        """The settings for one file: the FastAPI release its folder's pin allows."""
        if self.fastapi_version is not None or not self.fastapi_pins:
            return self
        relpath = os.path.relpath(os.path.abspath(filename), self.root).replace(os.sep, "/")
        version = pin_for(self.fastapi_pins, relpath)
        return self if version is None else replace(self, fastapi_version=version)

    def enabled_codes(self, codes: Iterable[str]) -> frozenset[str]:
        """Codes turned on by select/ignore; the more specific selector wins, as in ruff."""
        enabled = set()
        for code in codes:
            if code == UNUSED_NOQA:
                if self.report_unused_noqa and code not in self.ignore:
                    enabled.add(code)
                continue
            best_select = max((_specificity(s, code) for s in self.select), default=-1)
            best_ignore = max((_specificity(s, code) for s in self.ignore), default=-1)
            forced = code in ALWAYS_ON and code not in self.ignore
            if forced or (best_select >= 0 and best_select > best_ignore):
                enabled.add(code)
        return frozenset(enabled)

    def ignored_for(self, relative_path: str) -> frozenset[str]:
        """Codes (or prefixes) per-file-ignores switches off for a path relative to root."""
        from pathspec import GitIgnoreSpec

        ignored: set[str] = set()
        for pattern, codes in self.per_file_ignores.items():
            if GitIgnoreSpec.from_lines([pattern]).match_file(relative_path):
                ignored.update(codes)
        return frozenset(ignored)


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


def find_pyproject(start: Path) -> Path | None:
    """The closest pyproject.toml with a [tool.asynclint] table, walking up from `start`."""
    start = start.resolve()
    for directory in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "asynclint" in data.get("tool", {}):
                return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read [tool.asynclint] from `path` (a pyproject.toml); defaults when None."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    table = data.get("tool", {}).get("asynclint", {})
    if path.name != "pyproject.toml" and not table:
        table = data  # a dedicated asynclint.toml holds the settings at top level
    return parse_table(table, path)


def parse_table(table: Mapping[str, Any], path: Path) -> Config:
    settings: dict[str, Any] = {"root": path.parent.resolve(), "source": path}
    for key, value in table.items():
        parser = _PARSERS.get(key)
        if parser is None:
            known = ", ".join(sorted(_PARSERS))
            raise ConfigError(
                f"{path}: unknown key `{key}` in [tool.asynclint] (known keys: {known})"
            )
        try:
            settings[key.replace("-", "_")] = parser(value)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{path}: invalid value for `{key}`: {error}") from error
    if "baseline" in settings:
        settings["baseline"] = path.parent / settings["baseline"]
    return Config(**settings)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def parse_selectors(value: Any) -> tuple[str, ...]:
    selectors = _strings(value)
    for selector in selectors:
        if not _SELECTOR.fullmatch(selector):
            raise ValueError(f"{selector!r} is not a rule code or prefix such as ASL1 or ASL101")
    return selectors


def _per_file_ignores(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a table of pattern -> list of codes, got {value!r}")
    return {str(pattern): parse_selectors(codes) for pattern, codes in value.items()}


def _extra_blocking_calls(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a table of qualified name -> suggestion, got {value!r}")
    for name, suggestion in value.items():
        if not _QNAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a qualified name such as `boto3.client`")
        if not isinstance(suggestion, str):
            raise TypeError(f"the suggestion for {name!r} must be a string")
    return dict(value)


def _extra_db_methods(value: Any) -> tuple[str, ...]:
    methods = _strings(value)
    for name in methods:
        if not _QNAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a qualified method name such as `myorm.Repo.get`")
    return methods


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a path, got {value!r}")
    return Path(value)


def _version(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f'expected a version string such as "0.92", got {value!r}')
    version_tuple(value)
    return value.strip()


def _http_client(value: Any) -> str:
    if value not in ("httpx", "httpx2"):
        raise ValueError(f'expected "httpx" or "httpx2", got {value!r}')
    return str(value)


_PARSERS = {
    "select": parse_selectors,
    "ignore": parse_selectors,
    "per-file-ignores": _per_file_ignores,
    "exclude": _strings,
    "extend-exclude": _strings,
    "extra-blocking-calls": _extra_blocking_calls,
    "extra-db-methods": _extra_db_methods,
    "include-tests": _bool,
    "respect-gitignore": _bool,
    "fix-http-client": _http_client,
    "fastapi-version": _version,
    "report-unused-noqa": _bool,
    "preview": _bool,
    "baseline": _path,
}
