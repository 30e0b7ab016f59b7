"""The order of a project's first pass: the modules others import before their importers.

Read from the import lines of each file's text, which is cheap and good enough for an order:
it decides only how much is known when a file is first analysed, never what is found (a file
checked knowing less is checked again once everything is known).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from asynclint.semantic.summary import module_suffixes, nearest

_FROM = re.compile(rb"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w., \t]*)", re.M)
_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([\w., \t]+)", re.M)


def resolve_relative(module_name: str, level: int, rest: str, is_package: bool = False) -> str:
    """`from ..x import y` in `module_name`: `app.x` from `app.api.routes` (a package's
    `__init__` is named as the package: one level less to climb)."""
    package = module_name.split(".")
    package = package[: max(len(package) - level + is_package, 0)]
    parts = [*package, *([rest] if rest else [])]
    return ".".join(parts) if parts else "." * level + rest


class Job(Protocol):
    source: bytes
    filename: str
    module_name: str


def imported_modules(source: bytes, module_name: str, is_package: bool) -> set[str]:
    """What the file's import lines name: modules, and names that may be modules."""
    found: set[str] = set()
    for dots, base, names in _FROM.findall(source):
        module = base.decode("ascii", "replace")
        if dots:
            module = resolve_relative(module_name, len(dots), module, is_package)
        found.add(module)
        for name in names.decode("ascii", "replace").split(","):
            name = name.split(" as ")[0].strip()
            if name:
                found.add(f"{module}.{name}")
    for names in _IMPORT.findall(source):
        for name in names.decode("ascii", "replace").split(","):
            found.add(name.split(" as ")[0].strip())
    return found


def waves(jobs: Sequence[Job]) -> list[list[Job]]:
    """`jobs` in groups, each importing only modules of earlier groups (an import cycle ends
    up in one group, with what is left), each in an order where files come after the files
    they import, as far as cycles allow."""
    if len(jobs) < 2:
        return [list(jobs)]
    by_suffix: dict[str, list[int]] = {}
    for number, job in enumerate(jobs):
        for suffix in module_suffixes(job.module_name):
            by_suffix.setdefault(suffix, []).append(number)
    needs: list[set[int]] = []
    for number, job in enumerate(jobs):
        package = job.filename.replace("\\", "/").rpartition("/")[2].startswith("__init__.")
        found = set()
        for name in imported_modules(job.source, job.module_name, package):
            hits = by_suffix.get(name, [])
            best = nearest([jobs[hit].module_name for hit in hits], job.module_name)
            if best is not None and hits[best] != number:
                found.add(hits[best])
        needs.append(found)
    groups: list[list[Job]] = []
    remaining = set(range(len(jobs)))
    while remaining:
        ready = {n for n in remaining if not needs[n] & remaining} or remaining
        groups.append([jobs[n] for n in _imported_first(ready, needs)])
        remaining -= ready
    return groups


def _imported_first(group: set[int], needs: list[set[int]]) -> list[int]:
    """`group` in an order where a file comes after the files it imports, except where
    imports go round in a cycle (a depth-first walk's post-order, from the lowest number)."""
    order: list[int] = []
    seen: set[int] = set()
    for start in sorted(group):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(sorted(needs[start] & group)))]
        while stack:
            node, imported = stack[-1]
            for child in imported:
                if child not in seen:
                    seen.add(child)
                    stack.append((child, iter(sorted(needs[child] & group))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
