"""`asynclint fix` on a FastAPI app that blocks on `requests` and `time.sleep`: the routes answer
the same afterwards, and concurrent requests no longer wait for each other."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from asynclint.cli import main

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("requests")

LATENCY = 0.5  # seconds the upstream takes per request

APP = """\
import time

import requests
from fastapi import FastAPI

UPSTREAM = "http://127.0.0.1:{port}"
app = FastAPI()


@app.get("/data/{{item}}")
async def data(item: int):
    resp = requests.get(f"{{UPSTREAM}}/data/{{item}}")
    resp.raise_for_status()
    return resp.json()


@app.get("/moved")
async def moved():
    return requests.get(UPSTREAM + "/redirect").json()


@app.post("/echo")
async def echo(payload: dict):
    reply = requests.post(UPSTREAM + "/echo", json=payload, timeout=5)
    return {{"status": reply.status_code, "ok": reply.ok, "body": reply.json()}}


@app.get("/nap")
async def nap():
    time.sleep({latency})
    return {{"slept": True}}
"""


class _Upstream(BaseHTTPRequestHandler):
    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", "/data/7")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        time.sleep(LATENCY)
        self._json(200, {"item": int(self.path.rsplit("/", 1)[1]), "via": "upstream"})

    def do_POST(self) -> None:
        length = int(self.headers["content-length"])
        self._json(201, {"echo": json.loads(self.rfile.read(length))})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _exercise(app: Any) -> tuple[list[Any], float, float]:
    """The routes' answers, and the seconds five concurrent /data and /nap calls take."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answers = [
            (await client.get("/data/1")).json(),
            (await client.get("/moved")).json(),
            (await client.post("/echo", json={"a": [1, 2]})).json(),
        ]
        started = time.perf_counter()
        batch = await asyncio.gather(*(client.get(f"/data/{i}") for i in range(5)))
        data_seconds = time.perf_counter() - started
        answers.append([r.json() for r in batch])
        started = time.perf_counter()
        await asyncio.gather(*(client.get("/nap") for _ in range(5)))
        nap_seconds = time.perf_counter() - started
    return answers, data_seconds, nap_seconds


def test_fixed_app_answers_the_same_without_serialising(
    tmp_path: Path, upstream: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "service.py"
    path.write_text(APP.format(port=upstream, latency=LATENCY))
    before, data_before, nap_before = asyncio.run(_exercise(_load(path, "service_before").app))
    assert data_before >= 5 * LATENCY * 0.9 and nap_before >= 5 * LATENCY * 0.9  # serialised

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["fix", "service.py"])
    # What is left is the client built per request that the fix writes (ASL201): the next
    # step, sharing one client from `lifespan`, is the user's design call.
    assert result.exit_code == 1, result.output
    assert "ASL101" not in result.output and "ASL102" not in result.output
    assert "ASL201" in result.output and "Fixed 4 errors." in result.output
    fixed = path.read_text()
    assert "requests" not in fixed and "time.sleep" not in fixed

    after, data_after, nap_after = asyncio.run(_exercise(_load(path, "service_after").app))
    assert after == before
    assert data_after < 2.5 * LATENCY and nap_after < 2.5 * LATENCY  # about one latency

    again = CliRunner().invoke(main, ["fix", "service.py"])
    assert path.read_text() == fixed and "Fixed 0 errors." in again.output
    checked = CliRunner().invoke(main, ["check", "service.py", "--select", "ASL101,ASL102"])
    assert checked.exit_code == 0 and "All checks passed!" in checked.output
