"""Bad input never stops a run and never passes silently."""

from __future__ import annotations

import gc
from pathlib import Path

import libcst as cst
import pytest

from asynclint.api import check_paths
from asynclint.config import Config
from asynclint.engine import _parse_module, check_source
from asynclint.semantic.scopes import Binding, Scope

BLOCKING = b"import time\n\nasync def f():\n    time.sleep(1)\n"


def codes(source: bytes, name: str = "x.py") -> list[tuple[int, str]]:
    return [(d.location.row, d.code) for d in check_source(source, name).diagnostics]


def test_finding_has_position_and_source_line() -> None:
    (d,) = check_source(BLOCKING, "x.py").diagnostics
    assert (d.location.row, d.location.column) == (4, 5)
    assert (d.end_location.row, d.end_location.column) == (4, 18)
    assert d.source_line == "    time.sleep(1)"


def test_crlf_bom_and_tabs_keep_positions() -> None:
    source = b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n\ttime.sleep(1)\r\n"
    (d,) = check_source(source, "x.py").diagnostics
    assert (d.location.row, d.location.column) == (4, 2)


def test_syntax_error_is_a_finding() -> None:
    assert codes(b"def f(:\n    pass\n")[0][1] == "ASL001"


def test_binary_file_is_unreadable() -> None:
    [(row, code)] = codes(b"\x00\x01\x02binary")
    assert (row, code) == (1, "ASL002")


def test_non_utf8_without_cookie_is_unreadable() -> None:
    (d,) = check_source(b'name = "caf\xe9"\n', "x.py").diagnostics
    assert d.code == "ASL002"
    assert "utf-8" in d.message and "line 1" in d.message


def test_coding_cookie_is_honoured() -> None:
    source = (
        b"# -*- coding: latin-1 -*-\nimport time\n"
        b"async def f():\n    x = '\xe9'\n    time.sleep(1)\n"
    )
    assert codes(source) == [(5, "ASL102")]


def test_empty_file_is_clean() -> None:
    assert codes(b"") == []


def test_huge_file_is_reported(monkeypatch) -> None:
    import asynclint.engine as engine

    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 100)
    assert codes(b"x = 1\n" * 50) == [(1, "ASL002")]


def test_parser_crash_is_contained() -> None:
    # 5,000 nested parentheses segfault LibCST's native parser in-process.
    source = b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"
    (d,) = check_source(source, "deep.py").diagnostics
    assert d.code == "ASL002"
    assert "crash" in d.message


def test_moderate_nesting_still_checked() -> None:
    source = (
        b"import time\nasync def f():\n    time.sleep(" + b"(" * 300 + b"1" + b")" * 300 + b")\n"
    )
    assert codes(source) == [(3, "ASL102")]


def test_newer_syntax_parses() -> None:
    source = b"type X = int\ndef f[T](x: T) -> T:\n    return x\n"
    assert codes(source) == []


def test_one_bad_file_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b"def f(:\n")
    (tmp_path / "binary.py").write_bytes(b"\x00\x00")
    (tmp_path / "good.py").write_bytes(BLOCKING)
    result = check_paths([tmp_path], Config(root=tmp_path))
    found = sorted((Path(d.filename).name, d.code) for d in result.diagnostics)
    assert found == [("bad.py", "ASL001"), ("binary.py", "ASL002"), ("good.py", "ASL102")]


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "gone.py"
    target.write_bytes(BLOCKING)
    original = Path.read_bytes

    def failing(self: Path) -> bytes:
        if self.name == "gone.py":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    (d,) = check_paths([tmp_path], Config(root=tmp_path)).diagnostics
    assert d.code == "ASL002" and "Permission denied" in d.message


def test_missing_path_is_reported(tmp_path: Path) -> None:
    (d,) = check_paths([tmp_path / "nope.py"], Config(root=tmp_path)).diagnostics
    assert d.code == "ASL002"


def test_file_level_noqa() -> None:
    assert codes(b"# asynclint: noqa\n" + BLOCKING) == []


def test_noqa_inside_string_does_not_suppress() -> None:
    source = b'import time\nasync def f():\n    time.sleep(1); x = "# noqa"\n'
    assert codes(source) == [(3, "ASL102")]


def test_tokenizer_error_gets_a_position() -> None:
    (d,) = check_source(b"x = 1\ny = 2\nz = '\x01' + \x01\n", "x.py").diagnostics
    assert d.code == "ASL001"
    assert d.location.row == 3


@pytest.mark.parametrize("fixture", ["ASL301.py", "ASL106.py", "contexts_fastapi_roles.py"])
def test_a_checked_files_tree_is_freed_without_the_cycle_collector(fixture: str) -> None:
    """Trees left in reference cycles cost a collector pass each, about a fifth of the parse."""
    source = (Path(__file__).parent.parent / "fixtures" / fixture).read_bytes()
    check_source(source, fixture, Config())  # imports and module-level caches
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert check_source(source, fixture, Config()).diagnostics
        gc.collect()
        stuck = [o for o in gc.garbage if isinstance(o, (cst.CSTNode, Scope, Binding))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not stuck, f"{len(stuck)} nodes, scopes or bindings were left in cycles"


def test_parsing_without_node_checks_gives_the_same_tree_and_leaves_checks_on() -> None:
    fixtures = sorted((Path(__file__).parent.parent / "fixtures").glob("ASL[1-5]*.py"))
    assert len(fixtures) > 20
    for path in fixtures:
        source = path.read_bytes()
        assert _parse_module(source).deep_equals(cst.parse_module(source)), path.name
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")  # nodes built outside a parse are still checked


def test_client_per_request_says_what_building_it_costs() -> None:
    """An httpx client loads the CA certificates when built, unless it is given a context
    made elsewhere (or `verify=False`)."""
    source = (
        b"import aiohttp, httpx, ssl\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
        b"CONTEXT = ssl.create_default_context()\n\n"
        b"@app.get('/a')\nasync def a():\n"
        b"    async with httpx.AsyncClient() as c:\n        return await c.get('x')\n\n"
        b"@app.get('/b')\nasync def b():\n"
        b"    async with httpx.AsyncClient(verify=CONTEXT) as c:\n"
        b"        return await c.get('x')\n\n"
        b"@app.get('/c')\nasync def c():\n"
        b"    async with aiohttp.ClientSession() as s:\n        return await s.get('x')\n\n"
        b"@app.get('/d')\ndef d():\n"
        b"    with httpx.Client() as c:\n        return c.get('x')\n\n"
        b"@app.get('/e')\nasync def e():\n"
        b"    async with httpx.AsyncClient(verify=True) as c:\n        return await c.get('x')\n"
    )
    messages = [d.message for d in check_source(source, "x.py").diagnostics]
    assert len(messages) == 5 and "new SSL context" in messages[4]
    assert "new SSL context" in messages[0] and "pool is thrown away" in messages[0]
    assert "the event loop serves no other request" in messages[0]
    assert all("SSL" not in m and "pool is thrown away" in m for m in messages[1:3])
    # A sync route runs in the threadpool: the CPU is spent, the event loop is not held.
    assert "new SSL context" in messages[3] and "event loop" not in messages[3]


def test_a_script_is_not_checked_for_what_costs_only_a_served_app() -> None:
    script = (Path(__file__).parent.parent / "fixtures" / "contexts_scripts.py").read_bytes()
    found = {d.code for d in check_source(script, "contexts_scripts.py", Config()).diagnostics}
    assert found == {"ASL203", "ASL503"}  # leaks and lost tasks hurt any long-running process
    # The same code in a module that may serve (no `__main__` block, no loop of its own).
    module = script.split(b'if __name__ == "__main__":')[0]
    found = {d.code for d in check_source(module, "jobs.py", Config()).diagnostics}
    assert found == {"ASL101", "ASL102", "ASL203", "ASL502", "ASL503"}


def test_a_main_block_alone_does_not_make_a_script() -> None:
    """A service module may keep a demo under `__main__`; an app's module may run migrations."""
    service = (
        b"import asyncio\n\n\nasync def notify(user):\n    asyncio.get_event_loop()\n\n\n"
        b'if __name__ == "__main__":\n    print(notify)\n'
    )
    found = {d.code for d in check_source(service, "services.py", Config()).diagnostics}
    assert found == {"ASL502"}
    app = (
        b"import asyncio\n\nfrom alembic import command\nfrom fastapi import FastAPI\n\n"
        b'app = FastAPI()\n\n\n@app.get("/")\nasync def index():\n'
        b"    return asyncio.get_event_loop().time()\n"
    )
    found = {d.code for d in check_source(app, "main.py", Config()).diagnostics}
    assert found == {"ASL502"}


_BLOCKING = ("ASL101", "ASL102", "ASL103", "ASL104", "ASL105", "ASL107")


def _blocking_found(path: Path, *select: str) -> list[tuple[int, int, str, str]]:
    result = check_source(path.read_bytes(), path.name, Config(select=select))
    return sorted(
        (d.location.row, d.location.column, d.code, d.message)
        for d in result.diagnostics
        if d.code in _BLOCKING
    )


@pytest.mark.parametrize("code", _BLOCKING)
def test_the_blocking_rules_visited_together_find_what_each_finds_alone(code: str) -> None:
    path = Path(__file__).parent.parent / "fixtures" / f"{code}.py"
    alone = sorted(f for one in _BLOCKING for f in _blocking_found(path, one))
    assert code in {f[2] for f in alone}
    assert _blocking_found(path, *_BLOCKING) == alone
