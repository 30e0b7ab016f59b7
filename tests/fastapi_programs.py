"""A Hypothesis strategy for FastAPI-flavoured programs that give the fixes work to do.

Random programs (hypothesmith's) almost never contain `time.sleep` in an `async def` or a
`requests.get(...)` in a route, so the fixes would go untested. These programs are composed
from the snippets the rules and fixes care about, in the places they care about (routes and
plain functions, async and sync, nested defs, lambdas, comprehensions, try/except, loops,
decorators, comments, `# noqa`), and written out in the ways files come (a BOM, a coding
cookie, CRLF or mixed line endings, tabs or two-space indents, no final line break).

Every program compiles: each snippet is valid where it is put (`await` only directly in an
`async def`, `break` only in a loop, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

__all__ = ["fastapi_programs"]

IMPORTS = (
    "import asyncio",
    "import asyncio as aio",
    "from asyncio import get_event_loop",
    "from asyncio import create_task",
    "import time",
    "import time as t",
    "from time import sleep",
    "from time import sleep as nap",
    "import requests",
    "from requests import get",
    "import httpx",
    "import subprocess",
    "import os, time",
    "from fastapi import APIRouter, FastAPI",
    "from functools import lru_cache",
    "from deps import *",
)

COMMON_IMPORTS = ("import asyncio", "import time", "import requests")

#: Calls (single quotes only, so that they fit in an f-string) the rules look for.
CALLS = (
    "time.sleep(1)",
    "time.sleep(delay)",
    "time.sleep(0.1 * 2)",
    "t.sleep(0.5)",
    "sleep(2)",
    "nap(3)",
    "time.sleep(1) or None",
    "requests.get(url)",
    "requests.get(url, timeout=5)",
    "requests.get(f'{url}/items', params={'q': 1})",
    "requests.post(url, json={'a': [1, 2]})",
    "requests.post(url, data=body)",
    "requests.post(url, data='ping', verify=False)",
    "requests.get(url, stream=True)",
    "requests.head(url, allow_redirects=False)",
    "requests.get(url, headers={'If-None-Match': 'x'})",
    "requests.put(url, timeout=(3, 10))",
    "requests.delete(url, **kwargs)",
    "requests.request('GET', url)",
    "requests.Session().get(url)",
    "get(url)",
    "asyncio.get_event_loop()",
    "asyncio.get_event_loop().time()",
    "aio.get_event_loop()",
    "get_event_loop()",
    "asyncio.get_event_loop().run_in_executor(None, work)",
    "asyncio.create_task(work())",
    "aio.create_task(work())",
    "create_task(work())",
    "asyncio.ensure_future(work())",
    "loop.create_task(work())",
    "asyncio.sleep(1)",
    "subprocess.run(['ls'])",
    "open(path).read()",
    "os.path.exists(path)",
    "work()",
    "client.get(url)",
)

#: The same calls written over several lines, with comments inside.
MULTILINE_CALLS = (
    "requests.get(\n>url,  # the upstream\n>timeout=5,\n)",
    "requests.post(\n>url,\n>json={'a': 1},  # payload\n)",
    "time.sleep(\n>1\n)",
    "requests.get(  # why\n>url, verify=False,  # self-signed\n)",
    "asyncio.create_task(\n>work()\n)",
)

#: Statement templates; `{e}` is a call. Marked with what they need to compile.
SIMPLE = (
    "{e}",
    "x = {e}",
    "resp = {e}",
    "x, y = {e}, 1",
    "x: object = {e}",
    "x += {e}",
    "print({e})",
    "print('r', {e}, sep='')",
    "resp = {e}\n" + "resp.raise_for_status()",
    "resp = {e}\n" + "x = resp.json()",
    "resp = {e}\n" + "x = resp.ok",
    "resp = {e}\n" + "x = resp.status_code == 200",
    "resp = {e}\n" + "x = resp.iter_content(1024)",
    "x = {e}.json()['k']",
    "x = ({e}).status_code",
    "x = [{e} for _ in range(3)]",
    "x = {{k: {e} for k in 'ab'}}",
    "x = list({e} for _ in range(3))",
    "cb = lambda: {e}",
    "cb = lambda url=url: {e}",
    "x = {e} if flag else None",
    'x = f"{{{e}}}"',
    "{e}  # trailing comment",
    "{e}  # noqa",
    "{e}  # noqa: ASL102",
    "{e}  # noqa: ASL101, ASL502",
    "{e}; x = 1",
    "x = 1; {e}",
    "assert {e}",
    "x = {e} \\\n>+ 1",
    "client = {e}",
    "asyncio = {e}",
    "loop = {e}",
    "task = {e}",
    "tasks.add({e})",
    "del x",
    "return_value = task or resp or client or http_client or _task",
    "print(_background_tasks, client.get(url))",
    "pass",
    "...",
    "x = 'caf\u00e9'  # {e}",
    "s = '\u2603 \U0001f600'",
)
FUNCTION_ONLY = ("return {e}", "return {e}.json()", "return", "return ({e}, {e})")
ASYNC_ONLY = (
    "await {e}",
    "x = await {e}",
    "return await {e}",
    "await asyncio.gather({e}, {e})",
    "x = [await y for y in {e}]",
)
SYNC_GENERATOR = ("yield {e}",)
LOOP_ONLY = ("break", "continue", "if flag:\n>break")

DECORATORS = (
    '@app.get("/items/{{item}}")',
    '@app.post("/relay")',
    "@router.get('/r', response_model=None)",
    "@app.on_event('startup')",
    "@lru_cache",
    "@lru_cache(maxsize=None)",
    "@staticmethod",
    "@decorate(requests.get(url))",
)
PARAMETERS = (
    "",
    "url",
    "url: str",
    "url, body=None",
    "item: int, q: str | None = None",
    "delay=1",
    "*args, **kwargs",
    "url, *, kwargs={}",
    "asyncio",
    "client",
    "url, _background_tasks",
    "url, requests=None",
    "self, url",
)
COMMENTS = ("# a comment", "# noqa", "# asynclint: noqa: ASL102", "#", "# caf\u00e9 \u2603")


@dataclass(frozen=True)
class _Context:
    depth: int = 0
    in_function: bool = False
    in_async: bool = False
    in_loop: bool = False
    in_class: bool = False


_Line = tuple[int, str]  # indentation level, text ("\n>" in a text: continuation lines)


def _call(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(MULTILINE_CALLS))
    return draw(st.sampled_from(CALLS))


def _simple(draw: st.DrawFn, context: _Context) -> str:
    options = list(SIMPLE)
    if context.in_function and not context.in_class:
        options += FUNCTION_ONLY
        options += ASYNC_ONLY if context.in_async else SYNC_GENERATOR
    if context.in_loop:
        options += LOOP_ONLY
    template = draw(st.sampled_from(options))
    one_line = template.startswith(("x = f", "x = 'caf")) or "\\\n" in template
    parts = [p.replace("{{", "{").replace("}}", "}") for p in template.split("{e}")]
    text = parts[0]
    for part in parts[1:]:
        text += (draw(st.sampled_from(CALLS)) if one_line else _call(draw)) + part
    return text


def _block(draw: st.DrawFn, context: _Context, level: int) -> list[_Line]:
    lines: list[_Line] = []
    for _ in range(draw(st.integers(1, 3))):
        lines += _statement(draw, context, level)
    if all(text.startswith("#") or not text for _, text in lines):
        lines.append((level, "pass"))  # comments and blank lines alone are no block
    return lines


def _statement(draw: st.DrawFn, context: _Context, level: int) -> list[_Line]:
    kinds = ["simple"] * 4 + ["comment", "blank"]
    if context.depth < 3:
        kinds += ["if", "for", "while", "try", "with", "def", "class"]
        if context.in_async:
            kinds += ["async with", "async for"]
    kind = draw(st.sampled_from(kinds))
    inner = replace(context, depth=context.depth + 1)
    if kind == "simple":
        return [(level, _simple(draw, context))]
    if kind == "comment":
        return [(draw(st.sampled_from([0, level])), draw(st.sampled_from(COMMENTS)))]
    if kind == "blank":
        return [(0, "")]
    if kind == "def":
        return _function(draw, context, level)
    if kind == "class":
        return _class(draw, context, level)
    if kind in ("for", "while", "async for"):
        header = {
            "for": "for item in items:",
            "while": "while flag:",
            "async for": "async for item in stream():",
        }[kind]
        loop = replace(inner, in_loop=True)
        lines = [(level, header), *_block(draw, loop, level + 1)]
        if draw(st.booleans()):
            lines += [(level, "else:"), *_block(draw, inner, level + 1)]
        return lines
    if kind == "if":
        lines = [(level, f"if {draw(st.sampled_from(['flag', _call(draw)]))}:")]
        lines += _block(draw, inner, level + 1)
        if draw(st.booleans()):
            lines += [(level, "elif other:"), *_block(draw, inner, level + 1)]
        if draw(st.booleans()):
            lines += [(level, "else:"), *_block(draw, inner, level + 1)]
        return lines
    if kind in ("with", "async with"):
        header = draw(
            st.sampled_from(
                ["with open(path) as fh:", "with lock, open(path):"]
                if kind == "with"
                else ["async with httpx.AsyncClient() as client:", "async with lock:"]
            )
        )
        return [(level, header), *_block(draw, inner, level + 1)]
    lines = [(level, "try:"), *_block(draw, inner, level + 1)]
    handlers = draw(
        st.lists(
            st.sampled_from(
                [
                    "except requests.ConnectionError:",
                    "except requests.RequestException as error:",
                    "except (OSError, ValueError):",
                    "except OSError:",
                    "except Exception:",
                    "except:",
                ]
            ),
            min_size=0,
            max_size=2,
            unique=True,
        )
    )
    if "except:" in handlers:
        handlers = [h for h in handlers if h != "except:"] + ["except:"]
    for handler in handlers:
        lines += [(level, handler), *_block(draw, inner, level + 1)]
    if not handlers or draw(st.booleans()):
        lines += [(level, "finally:"), *_block(draw, inner, level + 1)]
    return lines


def _function(draw: st.DrawFn, context: _Context, level: int) -> list[_Line]:
    is_async = draw(st.booleans())
    lines: list[_Line] = [
        (level, decorator)
        for decorator in draw(st.lists(st.sampled_from(DECORATORS), max_size=2, unique=True))
    ]
    name = draw(st.sampled_from(["route", "helper", "handler", "work", "get_user"]))
    parameters = draw(st.sampled_from(PARAMETERS))
    returns = draw(st.sampled_from(["", " -> None", " -> dict"]))
    prefix = "async def" if is_async else "def"
    lines.append((level, f"{prefix} {name}({parameters}){returns}:"))
    if draw(st.integers(0, 5)) == 0:
        lines.append((level + 1, '"""Docstring."""'))
    if draw(st.integers(0, 5)) == 0:
        lines.append((level + 1, draw(st.sampled_from(["global loop", "global resp, task"]))))
    body = _Context(context.depth + 1, in_function=True, in_async=is_async)
    return lines + _block(draw, body, level + 1)


def _class(draw: st.DrawFn, context: _Context, level: int) -> list[_Line]:
    inner = _Context(context.depth + 1, in_class=True)
    lines: list[_Line] = [(level, "class Service:")]
    for _ in range(draw(st.integers(1, 3))):
        lines += _function(draw, inner, level + 1)
        if draw(st.booleans()):
            lines.append((level + 1, _simple(draw, inner)))
    return lines


@st.composite
def fastapi_programs(draw: st.DrawFn) -> bytes:
    """The bytes of one program, as a file on disk would hold them."""
    # The modules the fixes work on are imported more often than the others.
    imports = [line for line in COMMON_IMPORTS if draw(st.integers(0, 4)) < 3]
    imports += draw(st.lists(st.sampled_from(IMPORTS), max_size=4, unique=True))
    imports = list(dict.fromkeys(draw(st.permutations(imports))))
    lines: list[_Line] = []
    if draw(st.booleans()):
        lines.append((0, '"""A service."""'))
    lines += [(0, line) for line in imports]
    lines += [(0, ""), (0, "app = FastAPI()"), (0, "router = APIRouter()")]
    top = _Context()
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["function", "function", "function", "statement"]))
        lines.append((0, ""))
        if kind == "function":
            lines += _function(draw, top, 0)
        else:
            lines += _statement(draw, top, 0)
    if draw(st.integers(0, 5)) == 0:
        lines += [(0, "if __name__ == '__main__':"), (1, "asyncio.run(route())")]
    return _render(draw, lines)


def _render(draw: st.DrawFn, lines: list[_Line]) -> bytes:
    indent = draw(st.sampled_from(["    ", "    ", "  ", "\t"]))
    newline_style = draw(st.sampled_from(["\n", "\n", "\r\n", "mixed"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
    text_lines: list[str] = []
    for level, text in lines:
        first, *more = text.split("\n")
        text_lines.append(indent * level + first if first else "")
        for continuation in more:
            depth = level + 1 if continuation.startswith(">") else level
            text_lines.append(indent * depth + continuation.lstrip(">"))
    if encoding == "latin-1":
        text_lines.insert(0, "# -*- coding: latin-1 -*-")
        text = _join(draw, text_lines, newline_style)
        text = text.replace("\u2603", "snow").replace("\U0001f600", "smile")
    else:
        if draw(st.booleans()):
            text_lines.insert(0, "# -*- coding: utf-8 -*-")
        text = _join(draw, text_lines, newline_style)
    return text.encode(encoding)


def _join(draw: st.DrawFn, lines: list[str], newline_style: str) -> str:
    if newline_style == "mixed":
        breaks = [draw(st.sampled_from(["\n", "\r\n"])) for _ in lines]
    else:
        breaks = [newline_style] * len(lines)
    text = "".join(line + end for line, end in zip(lines, breaks, strict=True))
    if draw(st.integers(0, 7)) == 0:
        text = text.rstrip("\r\n")  # no line break at the end
    return text
