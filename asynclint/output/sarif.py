"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One log with one run: the enabled rules as ``tool.driver.rules`` and one result per finding.
Paths are relative to ``%SRCROOT%``: the git work tree holding the project root (code scanning
reads relative paths from the repository root), else the project root itself.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from asynclint import __version__
from asynclint.diagnostic import Diagnostic, Edit
from asynclint.files import git_top
from asynclint.rule import Rule

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/asynclint/asynclint"
SOURCE_ROOT = "%SRCROOT%"
#: Every finding fails `asynclint check` (exit 1), engine errors included: all are errors.
LEVEL = "error"


def tool_version() -> str:
    """The installed distribution's version, else the package's own."""
    try:
        return metadata.version("asynclint")
    except metadata.PackageNotFoundError:
        return __version__


def source_root(root: Path) -> Path:
    """The git work tree at or above the project root, else the project root."""
    absolute = os.path.abspath(root)
    return Path(git_top(absolute) or absolute)


def _section(doc: str, heading: str) -> str:
    """The paragraphs under ``## heading`` in a rule docstring, each on one line."""
    body = doc.split(f"## {heading}", 1)[-1].split("##", 1)[0]
    paragraphs = (" ".join(p.split()) for p in body.strip().split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def describe_rule(rule: type[Rule]) -> dict[str, Any]:
    """A rule as a SARIF ``reportingDescriptor``."""
    doc = inspect.cleandoc(rule.__doc__ or "")
    summary = rule.summary()
    full = f"{_section(doc, 'What it does')}\n\n{_section(doc, 'Why is this bad?')}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary[:1].upper() + summary[1:]},
        "fullDescription": {"text": full},
        "helpUri": rule.url(),
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVEL},
        "properties": {"fixAvailability": rule.fix_availability.value},
    }


def artifact_location(filename: str, base: Path, cwd: Path) -> dict[str, str]:
    """``filename`` (relative to ``cwd``, or absolute) relative to ``base`` as a URI reference.

    A file outside ``base`` gets an absolute ``file:`` URI and no ``uriBaseId``.
    """
    absolute = Path(os.path.abspath(cwd / filename))
    relative = _relative(absolute, base)
    if relative is None:  # through a symlinked folder, perhaps
        relative = _relative(absolute.resolve(), base.resolve())
    if relative is None:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}


def _relative(path: Path, base: Path) -> Path | None:
    try:
        return path.relative_to(base)
    except ValueError:
        return None


def _region(diagnostic: Diagnostic) -> dict[str, int]:
    """1-based lines and columns; the end column is the one after the last character."""
    start, end = diagnostic.location, diagnostic.end_location
    return {
        "startLine": max(start.row, 1),
        "startColumn": max(start.column, 1),
        "endLine": max(end.row, start.row, 1),
        "endColumn": max(end.column, 1),
    }


def to_result(
    diagnostic: Diagnostic,
    rule_index: dict[str, int],
    base: Path,
    cwd: Path,
    edit: Edit | None = None,
) -> dict[str, Any]:
    """One finding as a SARIF ``result``; with `edit` (its fix as a text edit of the file),
    a SARIF ``fix``. The fix's title and safety are in the result's properties too."""
    d = diagnostic
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    result["level"] = LEVEL
    result["message"] = {"text": d.message}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": artifact_location(d.filename, base, cwd),
                "region": _region(d),
            }
        }
    ]
    if d.fix_applicability:
        result["properties"] = {"fix": {"applicability": d.fix_applicability, "title": d.fix_title}}
    if edit is not None:
        start_line, start_column, end_line, end_column, text = edit
        deleted = {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        }
        result["fixes"] = [
            {
                "description": {"text": d.fix_title or "Fix"},
                "artifactChanges": [
                    {
                        "artifactLocation": artifact_location(d.filename, base, cwd),
                        "replacements": [
                            {"deletedRegion": deleted, "insertedContent": {"text": text}}
                        ],
                    }
                ],
            }
        ]
    return result


def _rules_for(
    diagnostics: Sequence[Diagnostic], rules: Sequence[type[Rule]] | None
) -> list[type[Rule]]:
    """The rules given, plus any other rule a finding names (only those, when none are given)."""
    from asynclint.rules import load_rules

    registry = load_rules()
    described = list(rules) if rules is not None else []
    codes = {rule.code for rule in described}
    for d in diagnostics:
        if d.code not in codes and d.code in registry:
            described.append(registry[d.code])
            codes.add(d.code)
    return described


def to_log(
    diagnostics: Sequence[Diagnostic],
    *,
    rules: Sequence[type[Rule]] | None = None,
    root: Path | None = None,
    cwd: Path | None = None,
    edits: Mapping[tuple[str, str, int, int], Edit] | None = None,
) -> dict[str, Any]:
    """The SARIF log of one run; `edits` are the findings' fixes as text edits, keyed by file
    name, code, line and column.

    ``rules`` are the enabled rules (default: those the findings name); ``root`` is the project
    root and ``cwd`` the directory the findings' file names are relative to (default: the
    working directory, for both).
    """
    cwd = cwd or Path.cwd()
    base = source_root(root or cwd)
    described = _rules_for(diagnostics, rules)
    rule_index = {rule.code: i for i, rule in enumerate(described)}
    base_uri = base.as_uri()
    run = {
        "tool": {
            "driver": {
                "name": "asynclint",
                "version": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": [describe_rule(rule) for rule in described],
            }
        },
        "originalUriBaseIds": {
            SOURCE_ROOT: {"uri": base_uri if base_uri.endswith("/") else f"{base_uri}/"}
        },
        "columnKind": "unicodeCodePoints",
        "results": [
            to_result(d, rule_index, base, cwd, edits.get(_key(d)) if edits else None)
            for d in diagnostics
        ],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _key(d: Diagnostic) -> tuple[str, str, int, int]:
    return (d.filename, d.code, d.location.row, d.location.column)


def render(
    diagnostics: Sequence[Diagnostic],
    stream: TextIO,
    *,
    rules: Sequence[type[Rule]] | None = None,
    root: Path | None = None,
    color: bool = False,
    edits: Mapping[tuple[str, str, int, int], Edit] | None = None,
) -> None:
    """Write the SARIF log as JSON; ``color`` is ignored."""
    log = to_log(diagnostics, rules=rules, root=root, edits=edits)
    stream.write(json.dumps(log, indent=2, ensure_ascii=False))
    stream.write("\n")
