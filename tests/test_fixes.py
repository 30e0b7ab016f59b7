"""Fixes: fixture X.py -> X.fixed.py (and X.unsafe.fixed.py), idempotent, bytes kept."""

from __future__ import annotations

import codecs
import os
import stat
import warnings
from pathlib import Path

import libcst as cst
import pytest

from asynclint.atomic import write_atomic
from asynclint.config import Config
from asynclint.engine import check_source, enabled_rules, fix_file
from asynclint.rule import REGISTRY, FixAvailability

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULES = enabled_rules(Config())


def fix(source: bytes, unsafe: bool = False, name: str = "m") -> bytes:
    outcome = fix_file(source, f"{name}.py", Config(), module_name=name, rules=RULES, unsafe=unsafe)
    assert outcome.error is None
    return outcome.source


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))


def _expected(path: Path, unsafe: bool) -> bytes:
    """The expected result: X.unsafe.fixed.py, X.fixed.py, or the file itself (no fix)."""
    candidates = [path.with_suffix(".unsafe.fixed.py")] if unsafe else []
    candidates.append(path.with_suffix(".fixed.py"))
    for candidate in candidates:
        if candidate.exists():
            return candidate.read_bytes()
    return path.read_bytes()


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.name)
def test_fix_gives_the_fixed_fixture(path: Path, unsafe: bool) -> None:
    source = path.read_bytes()
    fixed = fix(source, unsafe, path.stem)
    assert fixed.decode() == _expected(path, unsafe).decode()
    assert fix(fixed, unsafe, path.stem) == fixed  # idempotent
    if fixed != source:  # the fixed file parses, and compiles when the original did
        cst.parse_module(fixed)
        try:
            compile(source, path.name, "exec", dont_inherit=True)
        except SyntaxError:
            return  # syntax newer than this Python
        compile(fixed, path.name, "exec", dont_inherit=True)


def test_there_are_fixed_fixtures_for_safe_and_unsafe_fixes() -> None:
    assert {p.name for p in FIXTURES.glob("*.fixed.py")} >= {
        "ASL102.fixed.py",
        "ASL502.fixed.py",
        "ASL503.unsafe.fixed.py",
    }


def test_rules_that_declare_no_fix_never_offer_one() -> None:
    offered: set[str] = set()
    for path in _fixtures():
        for d in check_source(path.read_bytes(), path.name, module_name=path.stem).diagnostics:
            if d.fix_applicability:
                offered.add(d.code)
    never = {
        code for code, rule in REGISTRY.items() if rule.fix_availability is FixAvailability.NEVER
    }
    assert offered and not offered & never
    assert offered <= {
        c for c, r in REGISTRY.items() if r.fix_availability is not FixAvailability.NEVER
    }


SLEEPY = "import time\n\n\nasync def f():\n    time.sleep(1)  # wait\n    return 1\n"


def test_crlf_and_bom_survive() -> None:
    plain = fix(SLEEPY.encode())
    crlf = fix(codecs.BOM_UTF8 + SLEEPY.replace("\n", "\r\n").encode())
    assert crlf == codecs.BOM_UTF8 + plain.decode().replace("\n", "\r\n").encode()


def test_tabs_and_untouched_lines_survive() -> None:
    source = "import asyncio\nimport time\n\nasync def f():\n\tx = 1  # one\n"
    source += "\ttime.sleep(x)\n\n\n# end\n"
    fixed = fix(source.encode()).decode()
    assert fixed == source.replace("import time\n", "").replace(
        "\ttime.sleep(x)", "\tawait asyncio.sleep(x)"
    )


def test_latin1_file_stays_latin1() -> None:
    source = "# -*- coding: latin-1 -*-\nimport time\n\nasync def f():\n    time.sleep(1)  # café\n"
    fixed = fix(source.encode("latin-1"))
    assert fixed.decode("latin-1").endswith("    await asyncio.sleep(1)  # café\n")


def test_time_import_kept_when_still_used() -> None:
    source = "import time\n\nasync def f():\n    time.sleep(1)\n    return time.time()\n"
    assert fix(source.encode()).decode().startswith("import time\nimport asyncio\n")


def test_no_fix_where_asyncio_means_something_else() -> None:
    source = "import time\n\nasync def f(asyncio):\n    time.sleep(1)\n"
    assert fix(source.encode()) == source.encode()


def test_http_client_name_is_not_one_the_function_already_uses() -> None:
    # Found by the fuzzer: `as client` made the (global, star-imported) `client` in the other
    # branch a local, so that branch raised UnboundLocalError.
    source = (
        "import requests\nfrom deps import *\n\nasync def f(url, flag):\n"
        "    if flag:\n        return client.get(url)\n    requests.post(url, json={})\n"
    )
    fixed = fix(source.encode()).decode()
    assert "        return client.get(url)\n" in fixed
    assert "    async with httpx.AsyncClient() as http_client:\n" in fixed
    assert "await http_client.post(url, json={}" in fixed


def test_a_response_stored_in_a_global_is_only_an_unsafe_fix() -> None:
    # `resp.ok` elsewhere reads the global: the httpx response there has no `ok`.
    source = (
        "import requests\n\nasync def f(url):\n    global resp\n"
        "    resp = requests.get(url)\n    return resp.ok\n"
    )
    assert fix(source.encode()) == source.encode()
    assert b"await client.get(url" in fix(source.encode(), unsafe=True)


def test_task_fix_names_neither_a_name_in_use_nor_a_shadowed_registry() -> None:
    used = "import asyncio\n\nasync def f(g):\n    asyncio.create_task(g())\n    return task\n"
    fixed = fix(used.encode(), unsafe=True).decode()
    assert "    _task = asyncio.create_task(g())\n    _background_tasks.add(_task)\n" in fixed
    assert fixed.endswith("    return task\n")
    shadowed = (
        "import asyncio\n\nasync def f(g, _background_tasks):\n    asyncio.create_task(g())\n"
    )
    assert fix(shadowed.encode(), unsafe=True) == shadowed.encode()


def test_compiling_the_fixed_file_prints_no_warnings() -> None:
    source = SLEEPY + "    x = 1()\n    y = '\\d'\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fixed = fix(source.encode())
    assert b"await asyncio.sleep(1)" in fixed
    assert [str(w.message) for w in caught] == []


def test_noqa_keeps_the_call() -> None:
    source = "import time\n\nasync def f():\n    time.sleep(1)  # noqa: ASL102\n"
    assert fix(source.encode()) == source.encode()


def test_a_fix_that_breaks_the_file_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    import asynclint.engine as engine

    monkeypatch.setattr(
        engine, "apply_fixes", lambda module, fixes: cst.parse_module("def f():\n    await g()\n")
    )
    outcome = fix_file(SLEEPY.encode(), "m.py", Config(), module_name="m", rules=RULES)
    assert outcome.source == SLEEPY.encode() and outcome.fixed == 0
    assert outcome.error is not None and "does not compile" in outcome.error


def test_fixes_that_never_settle_are_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    import asynclint.engine as engine

    def keep_changing(module: cst.Module, fixes: object) -> cst.Module:
        return cst.parse_module(module.code + "# again\n")

    monkeypatch.setattr(engine, "apply_fixes", keep_changing)
    outcome = fix_file(SLEEPY.encode(), "m.py", Config(), module_name="m", rules=RULES)
    assert outcome.source == SLEEPY.encode()
    assert outcome.error is not None and "did not converge after 10 passes" in outcome.error


def test_write_atomic_keeps_mode_and_writes_through_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py", "link.py"]


def test_fixes_use_the_alias_the_file_already_imports() -> None:
    source = (
        "import asyncio as aio\nimport time\nfrom asyncio import get_event_loop\n\n"
        "async def f():\n    time.sleep(1)\n    return get_event_loop()\n"
    )
    assert fix(source.encode()).decode() == (
        "import asyncio as aio\n\nasync def f():\n"
        "    await aio.sleep(1)\n    return aio.get_running_loop()\n"
    )


def test_comments_above_a_removed_import_stay() -> None:
    source = (
        "import os\nimport time\n\n# third party\nimport requests\nimport httpx\n\n"
        "async def f():\n    time.sleep(1)\n    requests.post('u')\n"
    )
    fixed = fix(source.encode()).decode()
    assert fixed.startswith("import os\n\n# third party\nimport httpx\nimport asyncio\n\n")


def test_a_file_whose_first_import_is_removed_does_not_start_with_a_blank_line() -> None:
    source = "import time\n\nfrom fastapi import FastAPI\n\n\nasync def f():\n    time.sleep(1)\n"
    fixed = fix(source.encode()).decode()
    assert fixed.startswith("from fastapi import FastAPI\nimport asyncio\n\n\nasync def f():")
    kept = "\nimport os\nimport time\n\n\nasync def f():\n    time.sleep(1)\n"
    assert fix(kept.encode()).decode().startswith("\nimport os\n")  # not its first line


def test_task_registry_goes_after_the_docstring_and_what_binds_asyncio() -> None:
    source = (
        '"""Doc."""\ntry:\n    import asyncio\nexcept ImportError:\n    raise\n\n'
        "async def f(g):\n    asyncio.create_task(g())\n\n\n"
        "loop = asyncio.new_event_loop()\nloop.create_task(main())\n"
    )
    fixed = fix(source.encode(), unsafe=True).decode()
    assert fixed.startswith(
        '"""Doc."""\ntry:\n    import asyncio\nexcept ImportError:\n    raise\n'
    )
    assert "    raise\n\n_background_tasks: set[asyncio.Future] = set()\n" in fixed
    assert fixed.endswith("loop.create_task(main())\n")  # at import time: no fix
    compile(fixed, "m.py", "exec")


def test_comment_above_a_kept_import_of_the_same_module_is_not_duplicated() -> None:
    source = (
        "import asyncio\n# sleeping\nfrom time import sleep\n# monotonic clock for timeouts\n"
        "from time import monotonic\nimport os\n\nasync def f():\n    sleep(monotonic())\n"
    )
    fixed = fix(source.encode()).decode()
    assert fixed.count("# monotonic clock for timeouts") == 1
    assert fixed.startswith(
        "import asyncio\n# sleeping\n# monotonic clock for timeouts\nfrom time import monotonic\n"
    )
