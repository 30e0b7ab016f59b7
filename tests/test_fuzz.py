"""Property-based tests: `check` never raises on any program, and `fix` only ever writes code
that parses (and compiles, when the input did), fixes nothing twice, and keeps the file's
bytes conventions (BOM, encoding, line endings).

Programs come from hypothesmith (random Python from the grammar, or from LibCST's node types)
and from `fastapi_programs`, which composes the constructs the fixes rewrite. How many
examples run, and whether they are the same each time, is the Hypothesis profile's business:
see conftest.py.
"""

from __future__ import annotations

import codecs
import importlib.util
import symtable
import warnings

import libcst as cst
import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from fastapi_programs import fastapi_programs  # noqa: E402
from hypothesis import given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from asynclint.config import Config  # noqa: E402
from asynclint.diagnostic import FileResult  # noqa: E402
from asynclint.engine import check_source, enabled_rules, fix_file  # noqa: E402

RULES = enabled_rules(Config())
#: hypothesmith compiles the programs it makes; what the compiler thinks of them is noise here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def examples(share: float) -> settings:
    """This test's part of the profile's examples (in conftest.py): the slow ones run fewer."""
    return settings(max_examples=max(1, round(settings().max_examples * share)))


def _compiles(source: bytes) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(source, "app.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _check(source: bytes) -> FileResult:
    """Check `source`: nothing raised, no internal error, every position inside the file."""
    result = check_source(source, "app.py", module_name="app")
    lines = max(1, len(source.splitlines()) + 1)
    for d in result.diagnostics:
        note(f"{d.code} {d.location} {d.message}")
        assert "Internal error" not in d.message, d.message
        assert 1 <= d.location.row <= lines and d.location.column >= 1
        assert (d.end_location.row, d.end_location.column) >= (d.location.row, d.location.column)
    return result


def _fix(source: bytes, unsafe: bool) -> bytes:
    outcome = fix_file(source, "app.py", Config(), module_name="app", rules=RULES, unsafe=unsafe)
    assert outcome.error is None, outcome.error
    return outcome.source


def _scopes(source: bytes) -> list[symtable.SymbolTable]:
    """The function (and lambda, comprehension, class) scopes of `source`, outermost first."""
    found: list[symtable.SymbolTable] = []
    pending = [symtable.symtable(importlib.util.decode_source(source), "app.py", "exec")]
    while pending:
        table = pending.pop(0)
        found.append(table)
        pending.extend(table.get_children())
    return found


def _assert_outer_names_stay_outer(source: bytes, fixed: bytes) -> None:
    """A name a function reads from outside (a global, a closure variable) is not made a
    local of it by a fix: the `as client` or `task =` a fix adds takes a name not in use."""
    before, after = _scopes(source), _scopes(fixed)
    if [t.get_name() for t in before] != [t.get_name() for t in after]:
        return  # the fixes added or removed a scope: no pairing
    for old, new in zip(before, after, strict=True):
        if old.get_type() == "module":
            continue
        for symbol in old.get_symbols():
            if symbol.is_referenced() and (symbol.is_global() or symbol.is_free()):
                name = symbol.get_name()
                if name in new.get_identifiers():
                    assert not new.lookup(name).is_local(), f"`{name}` became a local"


def _assert_fix_is_sound(source: bytes, unsafe: bool) -> bytes:
    """Fix `source`: the result parses, compiles when the input did, is a fixed point, and
    reads its outer names as before."""
    fixed = _fix(source, unsafe)
    if fixed == source:
        return fixed
    note(fixed.decode("utf-8", "replace"))
    cst.parse_module(fixed)
    if _compiles(source):
        assert _compiles(fixed)
        _assert_outer_names_stay_outer(source, fixed)
    assert _fix(fixed, unsafe) == fixed, "a second fix changed the fixed file"
    assert fixed.startswith(codecs.BOM_UTF8) == source.startswith(codecs.BOM_UTF8)
    if b"\r\n" in source and b"\n" not in source.replace(b"\r\n", b""):
        assert b"\n" not in fixed.replace(b"\r\n", b""), "a CRLF file got a bare LF"
    return fixed


@examples(0.6)
@given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
def test_check_never_raises_on_random_python(source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    result = _check(data)
    if _compiles(data):  # valid Python is parsed, not reported as unreadable
        assert not any(d.code == "ASL002" for d in result.diagnostics)


@examples(0.3)
@given(hypothesmith.from_grammar(), st.booleans())
def test_fix_is_sound_on_random_python(source: str, unsafe: bool) -> None:
    _assert_fix_is_sound(source.encode("utf-8", "surrogatepass"), unsafe)


@examples(1)
@given(st.binary(max_size=300))
def test_check_never_raises_on_random_bytes(source: bytes) -> None:
    _check(source)


@examples(0.5)
@given(fastapi_programs(), st.booleans())
def test_check_and_fix_fastapi_programs(source: bytes, unsafe: bool) -> None:
    note(source.decode("utf-8", "replace"))
    assert _compiles(source)  # the strategy's promise
    result = _check(source)
    assert not any(d.code in ("ASL001", "ASL002") for d in result.diagnostics)
    _assert_fix_is_sound(source, unsafe)
