"""Project runs: one file checked with the rest of its project, processes, the cache."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asynclint import progress, runner
from asynclint.api import check_paths
from asynclint.cache import KEEP_PACKS
from asynclint.cli import main
from asynclint.config import Config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

ROUTES = """\
from fastapi import APIRouter

from app.services import fetch_rates

router = APIRouter()


@router.get("/rates")
async def rates():
    return fetch_rates()
"""

SERVICES = """\
import requests


def fetch_rates():
    return requests.get("https://rates.example.com").json()
"""

SERVICES_ASYNC_SAFE = """\
def fetch_rates():
    return {"EUR": 1.0}
"""


def _project(root: Path, extra: int = 0) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "routes.py").write_text(ROUTES)
    (app / "services.py").write_text(SERVICES)
    for number in range(extra):
        (app / f"module_{number}.py").write_text(
            f"import time\n\n\nasync def handler_{number}():\n    time.sleep({number})\n"
        )
    return root


def _findings(result) -> list[tuple[str, int, str, str]]:
    return [(d.filename, d.location.row, d.code, d.message) for d in result.diagnostics]


def test_one_file_still_sees_the_helpers_of_its_project(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", "app/routes.py", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert [(d["filename"], d["code"]) for d in found] == [("app/routes.py", "ASL106")]
    assert "`fetch_rates()` → `requests.get` (app/services.py:5)" in found[0]["message"]


def test_one_file_from_a_subfolder_finds_the_project_root(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    monkeypatch.chdir(root / "app")
    result = CliRunner().invoke(main, ["check", "routes.py", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert "ASL106" in result.output and "services.py" not in result.output.split(":")[0]


def test_folders_outside_any_project_are_checked_alone(tmp_path: Path, monkeypatch) -> None:
    # No pyproject.toml or .git above them: the root is the folder they share, and its other
    # files are not the project's (the shared folder may be `/`).
    for name in ("orders", "billing", "unrelated"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "routes.py").write_text(ROUTES)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    parsed = _counting(monkeypatch)
    result = CliRunner().invoke(main, ["check", "../orders", "../billing", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert sorted(Path(name).parent.name for name in parsed) == ["billing", "orders"]


def test_the_same_findings_with_one_or_two_processes(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop", extra=20)
    monkeypatch.setattr(runner, "MIN_POOLED", 1)
    config = Config(root=root)
    one = check_paths([root], config, jobs=1)
    two = check_paths([root], config, jobs=2)
    assert _findings(one) == _findings(two)
    assert len([f for f in _findings(two) if f[2] == "ASL102"]) == 20
    assert any(f[2] == "ASL106" for f in _findings(two))


_FIRST_PHASE = runner._first_phase


def _crashing(job: runner._Job) -> object:
    """The first phase, but a worker dies on module_3.py, as on a crash of the native parser."""
    if job.filename.endswith("module_3.py"):
        os._exit(70)
    return _FIRST_PHASE(job)


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop", extra=20)
    monkeypatch.setattr(runner, "MIN_POOLED", 1)
    monkeypatch.setattr(runner, "_first_phase", _crashing)
    result = check_paths([root], Config(root=root), jobs=2)
    by_file = {f.filename: [d.code for d in f.diagnostics] for f in result.files}
    crashed = [name for name, codes in by_file.items() if "ASL002" in codes]
    assert len(crashed) == 1 and crashed[0].endswith("module_3.py")
    assert sum(codes == ["ASL102"] for codes in by_file.values()) == 19


def _counting(monkeypatch) -> list[str]:
    parsed: list[str] = []
    analyse = runner.analyse_file

    def counting(source: bytes, filename: str, *args: object, **kwargs: object) -> object:
        parsed.append(filename)
        return analyse(source, filename, *args, **kwargs)

    monkeypatch.setattr(runner, "analyse_file", counting)
    return parsed


def test_files_of_an_import_cycle_are_analysed_once_in_one_process(
    tmp_path: Path, monkeypatch
) -> None:
    # routes.py and services.py import each other: services.py, which routes.py asks about,
    # is analysed first, and routes.py then knows what it tells (no second analysis).
    root = _project(tmp_path / "shop")
    cycle = SERVICES + "\n\ndef routes_module():\n    from app import routes\n\n    return routes\n"
    (root / "app" / "services.py").write_text(cycle)
    parsed = _counting(monkeypatch)
    result = check_paths([root], Config(root=root), jobs=1)
    assert [f[2] for f in _findings(result)] == ["ASL106"]
    assert sorted(parsed) == sorted(set(parsed)) and len(parsed) == 3


def test_a_warm_cache_parses_nothing_and_finds_the_same(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop", extra=3)
    cache = tmp_path / "cache"
    config = Config(root=root)
    cold = check_paths([root], config, jobs=1, cache_dir=cache)
    parsed = _counting(monkeypatch)
    warm = check_paths([root], config, jobs=1, cache_dir=cache)
    assert parsed == []
    assert _findings(warm) == _findings(cold)
    assert _findings(cold) == _findings(check_paths([root], config, jobs=1))
    assert (cache / "CACHEDIR.TAG").is_file() and (cache / ".gitignore").is_file()


def test_a_changed_helper_changes_the_unchanged_route(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    cache = tmp_path / "cache"
    config = Config(root=root)
    assert "ASL106" in [d.code for d in check_paths([root], config, cache_dir=cache).diagnostics]
    (root / "app" / "services.py").write_text(SERVICES_ASYNC_SAFE)
    parsed = _counting(monkeypatch)
    assert check_paths([root], config, cache_dir=cache).diagnostics == []
    # The helper's module is parsed again, and the route because what it was told changed.
    assert [Path(p).name for p in parsed] == ["services.py", "routes.py"]
    (root / "app" / "services.py").write_text(SERVICES)
    found = check_paths([root], config, cache_dir=cache).diagnostics
    assert [(Path(d.filename).name, d.code) for d in found] == [("routes.py", "ASL106")]
    # The route's findings with the first answer are still in the cache.
    assert [Path(p).name for p in parsed] == ["services.py", "routes.py", "services.py"]


def test_other_settings_do_not_share_cache_entries(tmp_path: Path) -> None:
    root = _project(tmp_path / "shop", extra=2)
    cache = tmp_path / "cache"
    all_rules = check_paths([root], Config(root=root), cache_dir=cache)
    only_106 = check_paths([root], Config(root=root, select=("ASL106",)), cache_dir=cache)
    assert {d.code for d in all_rules.diagnostics} == {"ASL102", "ASL106"}
    assert {d.code for d in only_106.diagnostics} == {"ASL106"}


def test_packs_of_settings_not_used_lately_are_removed(tmp_path: Path) -> None:
    root = _project(tmp_path / "shop")
    cache = tmp_path / "cache"
    check_paths([root], Config(root=root), cache_dir=cache)
    (pack,) = cache.glob("*/*.pickle")
    for number in range(KEEP_PACKS + 2):  # written by other settings, long ago
        old = pack.with_name(f"{number:032x}.pickle")
        old.write_bytes(b"")
        os.utime(old, ns=(number * 10**9, number * 10**9))
    (root / "app" / "routes.py").write_text(ROUTES + "# changed\n")
    check_paths([root], Config(root=root), cache_dir=cache)
    kept = sorted(p.name for p in pack.parent.glob("*.pickle"))
    newest = [f"{n:032x}.pickle" for n in range(3, KEEP_PACKS + 2)]
    assert kept == sorted([pack.name, *newest])


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root = _project(tmp_path / "shop", extra=2)
    cache = tmp_path / "cache"
    expected = _findings(check_paths([root], Config(root=root), cache_dir=cache))
    packs = list(cache.rglob("*.pickle"))
    assert len(packs) == 1
    packs[0].write_bytes(b"\x80\x05not a pickle")
    assert _findings(check_paths([root], Config(root=root), cache_dir=cache)) == expected
    assert _findings(check_paths([root], Config(root=root), cache_dir=cache)) == expected


def test_a_file_touched_with_the_same_bytes_keeps_its_entry(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    cache = tmp_path / "cache"
    check_paths([root], Config(root=root), cache_dir=cache)
    services = root / "app" / "services.py"
    os.utime(services, ns=(services.stat().st_atime_ns, services.stat().st_mtime_ns + 10**9))
    parsed = _counting(monkeypatch)
    check_paths([root], Config(root=root), cache_dir=cache)
    assert parsed == []


def test_runs_racing_on_one_cache_agree(tmp_path: Path) -> None:
    root = _project(tmp_path / "shop", extra=30)
    command = [
        sys.executable,
        "-m",
        "asynclint.cli",
        "check",
        str(root),
        "--output-format",
        "json",
        "--exit-zero",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, cwd=root) for _ in range(3)]
    outputs = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) == 31
    again = subprocess.run(command, stdout=subprocess.PIPE, cwd=root, check=True)
    assert json.loads(again.stdout) == outputs[0]
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.endswith(".asynclint")]


@pytest.mark.parametrize("flag", [["--no-cache"], ["--cache-dir", "elsewhere"]])
def test_cache_flags(tmp_path: Path, monkeypatch, flag: list[str]) -> None:
    root = _project(tmp_path / "shop")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check", ".", *flag])
    assert result.exit_code == 1, result.output
    assert not (root / ".asynclint_cache").exists()
    assert (root / "elsewhere").is_dir() == (flag[0] == "--cache-dir")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch) -> None:
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.wanted(_Terminal())
    assert not progress.wanted(io.StringIO())  # piped
    monkeypatch.setenv("CI", "true")
    assert not progress.wanted(_Terminal())


def test_progress_bar_waits_a_moment_then_follows_the_run(tmp_path: Path) -> None:
    root = _project(tmp_path / "shop", extra=3)
    quick, slow = _Terminal(), _Terminal()
    seen: list[tuple[int, int, str]] = []
    bar = progress.ProgressBar(slow, delay=0)

    def follow(done: int, total: int, doing: str) -> None:
        seen.append((done, total, doing))
        bar(done, total, doing)

    check_paths([root], Config(root=root), jobs=1, progress=follow)
    bar.close()
    assert seen[-1][0] == seen[-1][1]  # every phase ends complete
    assert [s[0] for s in seen if s[2] == "Analysing"][-1] == 6
    assert "Analysing" in slow.getvalue()
    waiting = progress.ProgressBar(quick, delay=60)
    check_paths([root], Config(root=root), jobs=1, progress=waiting)
    waiting.close()
    assert quick.getvalue() == ""


#: N+1 loops in helpers: ASL301 reports them with `preview` only, as these tests do (what
#: they test, which code can run, holds for every ASL2xx-ASL5xx rule).
N_PLUS_ONE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def owners(db: AsyncSession, ids: list[int]):
    return [await db.get(Owner, i) for i in ids]


class Reports:
    async def owners(self, db: AsyncSession, ids: list[int]):
        return [await db.get(Owner, i) for i in ids]
"""

MAIN = """\
from fastapi import FastAPI

from app import crud

app = FastAPI()


@app.get("/owners")
async def list_owners(ids: list[int]):
    return await crud.owners(None, ids)
"""


def _reach_project(root: Path) -> Path:
    root.mkdir()
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "main.py").write_text(MAIN)
    (app / "crud.py").write_text(N_PLUS_ONE)
    (app / "orphan.py").write_text(N_PLUS_ONE)  # nothing imports it
    return root


def test_n_plus_one_only_where_code_can_run(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    where = sorted((Path(d.filename).name, d.location.row, d.code) for d in found)
    # crud.owners is called; class Reports is used nowhere; orphan.py is imported by nothing.
    assert where == [("crud.py", 5, "ASL301")]
    (root / "app" / "server.py").write_text(
        "from app.crud import Reports\nfrom app import orphan\n\nreports = Reports()\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted((Path(d.filename).name, d.location.row) for d in found) == [
        ("crud.py", 5),
        ("crud.py", 10),
        ("orphan.py", 5),
        ("orphan.py", 10),  # judged by names: another module uses a `Reports`
    ]


def _spy_on_questions(monkeypatch) -> list[str]:
    """The names the runner asks the project index about, from now on."""
    asked: list[str] = []
    answers = runner.answers
    monkeypatch.setattr(
        runner,
        "answers",
        lambda index, names: asked.extend(n for n, _ in names) or answers(index, names),
    )
    return asked


def test_an_edit_re_checks_the_files_whose_answers_it_changes(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    (root / "app" / "util.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    (root / "app" / "jobs.py").write_text(
        "from app.util import pause\n\n\nasync def tick():\n    pause()\n"
    )
    cache, config = tmp_path / "cache", Config(root=root)
    check_paths([root], config, cache_dir=cache)
    asked = _spy_on_questions(monkeypatch)
    services = root / "app" / "services.py"
    services.write_text("# Rates of the day.\n" + SERVICES)  # the blocking call moves down
    found = _findings(check_paths([root], config, cache_dir=cache))
    assert "app.services.fetch_rates" in asked  # routes.py reads what services.py tells
    assert "app.util.pause" not in asked  # jobs.py does not: its findings are kept
    assert found == _findings(check_paths([root], Config(root=root)))
    assert "app.util.pause" in asked  # what a run that knows nothing asks
    assert "app/services.py:6)" in next(m for *_, m in found if "fetch_rates" in m)


def test_a_new_module_re_checks_the_files_that_looked_for_it(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop")
    (root / "app" / "util.py").write_text("import time\n\n\ndef pause():\n    time.sleep(1)\n")
    (root / "app" / "jobs.py").write_text(
        "from app.util import pause\n\n\nasync def tick():\n    pause()\n"
    )
    (root / "app" / "routes.py").write_text(
        ROUTES + "\n\nfrom app.rates import latest\n\n\n@router.get('/latest')\n"
        "async def newest():\n    return latest()\n"
    )
    cache, config = tmp_path / "cache", Config(root=root)
    before = _findings(check_paths([root], config, cache_dir=cache))
    asked = _spy_on_questions(monkeypatch)
    (root / "app" / "rates.py").write_text(SERVICES.replace("fetch_rates", "latest"))
    found = _findings(check_paths([root], config, cache_dir=cache))
    assert "app.rates.latest" in asked  # routes.py looked for `app.rates`: checked again
    assert "app.util.pause" not in asked  # jobs.py did not: its findings are kept
    assert found == _findings(check_paths([root], Config(root=root)))
    assert len(found) == len(before) + 1 and any("latest()" in m for *_, m in found)
    (root / "app" / "rates.py").unlink()  # and gone again
    assert _findings(check_paths([root], config, cache_dir=cache)) == before


def test_modules_only_unused_modules_import_do_not_run(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    app = root / "app"
    # A router nobody mounts imports a service (and the service imports it back): neither runs.
    (app / "billing.py").write_text(N_PLUS_ONE + "\n\nfrom app import billing_routes\n")
    (app / "billing_routes.py").write_text(
        "from app.billing import owners\n\n\n"
        "async def route(ids):\n    return await owners(None, ids)\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [Path(d.filename).name for d in found] == ["crud.py"]
    (app / "main.py").write_text(
        MAIN.replace("from app import crud", "from app import crud, billing_routes")
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(Path(d.filename).name for d in found) == ["billing.py", "crud.py"]


def test_code_only_scripts_and_workers_run_serves_no_request(tmp_path: Path) -> None:
    """A CLI, a `__main__` module, a worker process: they start, but what only they import
    is off every request path (the catalogue's scripts and CLIs)."""
    root = _reach_project(tmp_path / "shop")
    app = root / "app"
    (app / "cli.py").write_text("from app import orphan\n")
    (app / "__main__.py").write_text("import asyncio\n\nfrom app import orphan\n")
    (app / "worker.py").write_text(
        "import asyncio\n\nfrom app import orphan\n\nif __name__ == '__main__':\n"
        "    asyncio.run(orphan.owners(None, []))\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [Path(d.filename).name for d in found] == ["crud.py"]
    (app / "serve.py").write_text(  # a script that starts a server serves requests
        "import uvicorn\n\nfrom app import orphan\n\nif __name__ == '__main__':\n"
        "    uvicorn.run(orphan.make_app())\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(Path(d.filename).name for d in found) == ["crud.py", "orphan.py"]
    (app / "serve.py").unlink()
    (app / "handler.py").write_text(  # and so does an AWS Lambda adapter
        "from mangum import Mangum\n\nfrom app import orphan\n\nhandler = Mangum(orphan.app)\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(Path(d.filename).name for d in found) == ["crud.py", "orphan.py"]


def test_what_runs_is_judged_again_when_modules_come(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    cache, config = tmp_path / "cache", Config(root=root, preview=True)

    def both() -> tuple[list, list]:
        cached = _findings(check_paths([root], config, cache_dir=cache))
        return cached, _findings(check_paths([root], Config(root=root, preview=True)))

    first, _ = both()
    (root / "app" / "notes.py").write_text("def note():\n    return 'x'\n")  # changes nothing
    cached, fresh = both()
    assert cached == fresh == first
    (root / "app" / "server.py").write_text("from app import orphan\n")  # now orphan.py runs
    cached, fresh = both()
    assert cached == fresh and len(cached) == len(first) + 1


def test_functions_scheduled_on_a_timer_are_off_the_request_path(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    scheduler = (
        "from apscheduler.schedulers.asyncio import AsyncIOScheduler\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.crud import Reports, owners\n\n"
        "scheduler = AsyncIOScheduler()\n"
        "scheduler.add_job(owners, 'cron', hour=6)\n"
        "reports = Reports()\n\n\n"
        "class Nightly:\n"
        "    def start(self):\n"
        "        scheduler.add_job(self.sweep, 'interval', minutes=5)\n\n"
        "    async def sweep(self, db: AsyncSession, ids: list[int]):\n"
        "        return [await db.get(Owner, i) for i in ids]\n\n\n"
        "nightly = Nightly()\n"
    )
    (root / "app" / "main.py").write_text(MAIN + "\nfrom app import scheduler\n")

    def found() -> list[tuple[str, int]]:
        diagnostics = check_paths([root], Config(root=root, preview=True)).diagnostics
        return sorted((Path(d.filename).name, d.location.row) for d in diagnostics)

    (root / "app" / "scheduler.py").write_text(scheduler.replace("add_job", "get_job"))
    assert found() == [("crud.py", 5), ("crud.py", 10), ("scheduler.py", 16)]
    (root / "app" / "scheduler.py").write_text(scheduler)
    # crud.owners runs at 6 every morning, Nightly.sweep every five minutes: neither serves a
    # request. Reports.owners still is reported.
    assert found() == [("crud.py", 10)]


def test_a_folder_of_scripts_is_not_judged(tmp_path: Path) -> None:
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "backfill.py").write_text(N_PLUS_ONE + "\n\nasyncio.run(owners(db, ids))\n")
    (root / "other.py").write_text(N_PLUS_ONE)
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert len(found) == 4  # no module imports another: nothing tells what runs


def test_classes_nothing_names_and_functions_nobody_calls(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    (root / "app" / "crud.py").write_text(
        N_PLUS_ONE.replace("class Reports:", "class Reports(Base):")
        + "\n\nclass Audit:\n    async def unused(self, db: AsyncSession, ids: list[int]):\n"
        "        return [await db.get(Owner, i) for i in ids]\n"
        "\n\nasync def not_called_yet(db: AsyncSession, ids: list[int]):\n"
        "    return [await db.get(Owner, i) for i in ids]\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    # Audit: a class of its own no code names. Reports: a base class may use it (a registry).
    # A function nobody calls yet is still reported: its call may be on its way.
    assert sorted(d.location.row for d in found) == [5, 10, 19]
    (root / "audit_cli.py").write_text("from app.crud import Audit\n\nAudit()\n")
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(d.location.row for d in found) == [5, 10, 19]  # only a script uses Audit
    main = root / "app" / "main.py"
    main.write_text(main.read_text() + "\n\naudit = crud.Audit()\n")
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(d.location.row for d in found) == [5, 10, 15, 19]


def test_modules_next_to_a_loader_by_name_are_not_judged(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    loader = "import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n"
    (root / "migrations").mkdir()
    (root / "migrations" / "env.py").write_text(loader)  # loads modules of another package
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [Path(d.filename).name for d in found] == ["crud.py"]
    (root / "app" / "plugins.py").write_text(loader)  # may load any module of `app`...
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [Path(d.filename).name for d in found] == ["crud.py"]  # ...once it runs
    main = root / "app" / "main.py"
    main.write_text("from app import plugins\n" + main.read_text())
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted((Path(d.filename).name, d.location.row) for d in found) == [
        ("crud.py", 5),
        ("orphan.py", 5),  # its function `owners` is named in main.py
    ]


def test_an_unchanged_project_gives_the_last_runs_findings(tmp_path: Path, monkeypatch) -> None:
    root = _project(tmp_path / "shop", extra=3)
    cache, config = tmp_path / "cache", Config(root=root)
    first = _findings(check_paths([root], config, cache_dir=cache))
    asked: list[object] = []
    answers = runner.answers
    monkeypatch.setattr(runner, "answers", lambda *a: asked.append(a) or answers(*a))
    assert _findings(check_paths([root], config, cache_dir=cache)) == first
    assert asked == []  # not even the index was asked again
    one = check_paths([root / "app" / "routes.py"], config, cache_dir=cache)
    assert [d.code for d in one.diagnostics] == ["ASL106"] and asked == []  # as last time
    assert _findings(check_paths([root], config, cache_dir=cache)) == first


def test_an_edit_only_the_edited_file_can_see_asks_nothing_of_the_rest(
    tmp_path: Path, monkeypatch
) -> None:
    root = _project(tmp_path / "shop", extra=3)
    cache, config = tmp_path / "cache", Config(root=root)
    check_paths([root], config, cache_dir=cache)
    asked = _spy_on_questions(monkeypatch)
    services = root / "app" / "services.py"
    # Inside the helper's body, after its blocking call: the module tells the others the same.
    services.write_text(SERVICES + "    # the rates change daily\n")
    first = _findings(check_paths([root], config, cache_dir=cache))
    assert set(asked) == {"requests", "requests.get"}  # what the edited file itself asks
    assert first == _findings(check_paths([root], Config(root=root)))
    # The helper no longer blocks: the route that calls it must be checked again.
    services.write_text(SERVICES_ASYNC_SAFE)
    second = _findings(check_paths([root], config, cache_dir=cache))
    assert "app.services.fetch_rates" in asked
    assert second == _findings(check_paths([root], Config(root=root)))
    assert [code for _, _, code, _ in first] == ["ASL102"] * 3 + ["ASL106"]
    assert [code for _, _, code, _ in second] == ["ASL102"] * 3


def test_a_task_of_an_imported_coroutine_that_never_suspends(tmp_path: Path) -> None:
    """`create_task(send_welcome(...))` of an `async def` in another module with no `await`:
    the task finishes in its first step, so it is not reported; once the coroutine awaits,
    it is, from the cache too (the route asked the other module's summary)."""
    root = tmp_path / "shop"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "mail.py").write_text(
        "import smtplib\n\n\nasync def send_welcome(address):\n"
        "    smtplib.SMTP('localhost').sendmail('me', address, 'hi')\n"
    )
    (root / "app" / "main.py").write_text(
        "import asyncio\n\nfrom fastapi import FastAPI\n\nfrom app.mail import send_welcome\n\n"
        "app = FastAPI()\n\n\n@app.post('/signup')\nasync def signup(address: str):\n"
        "    asyncio.create_task(send_welcome(address))\n"
    )
    cache, config = tmp_path / "cache", Config(root=root, select=("ASL503",))

    def found() -> list[int]:
        cached = _findings(check_paths([root], config, cache_dir=cache))
        assert cached == _findings(check_paths([root], config))
        return [row for _, row, _, _ in cached]

    assert found() == []
    (root / "app" / "mail.py").write_text(
        "import asyncio\n\n\nasync def send_welcome(address):\n    await asyncio.sleep(1)\n"
    )
    assert found() == [12]


def test_what_only_startup_calls_is_off_the_request_path(tmp_path: Path) -> None:
    """A task started in a function only the lifespan calls (in another module, through a
    package's re-export) is not reported; once a route calls it too, it is, from the cache as
    well (the worker's file did not change, what the project tells of it did)."""
    root = tmp_path / "shop"
    (root / "app" / "services").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "services" / "__init__.py").write_text(
        "from app.services.worker import start_worker\n"
    )
    (root / "app" / "services" / "worker.py").write_text(
        "import asyncio\n\n\nasync def consume():\n    await asyncio.sleep(1)\n\n\n"
        "async def start_worker():\n    asyncio.create_task(consume())\n"
    )
    main = (
        "from contextlib import asynccontextmanager\n\nfrom fastapi import FastAPI\n\n"
        "from app.services import start_worker\n\n\n@asynccontextmanager\n"
        "async def lifespan(app: FastAPI):\n    await start_worker()\n    yield\n\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    )
    (root / "app" / "main.py").write_text(main)
    cache, config = tmp_path / "cache", Config(root=root, select=("ASL503",))

    def found() -> list[tuple[str, int]]:
        cached = _findings(check_paths([root], config, cache_dir=cache))
        assert cached == _findings(check_paths([root], config))
        return [(Path(name).name, row) for name, row, _, _ in cached]

    assert found() == []
    (root / "app" / "main.py").write_text(
        main + "\n\n@app.post('/restart')\nasync def restart():\n    await start_worker()\n"
    )
    assert found() == [("worker.py", 9)]


def test_helpers_re_exported_with_a_star_import(tmp_path: Path) -> None:
    """`from .rates import *` in a package's `__init__`: a route importing the helper from
    the package still sees what it blocks on, from the cache too, until the helper changes."""
    root = tmp_path / "shop"
    (root / "app" / "services").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "services" / "__init__.py").write_text("from .rates import *\n")
    (root / "app" / "services" / "rates.py").write_text(SERVICES)
    (root / "app" / "routes.py").write_text(ROUTES)
    cache, config = tmp_path / "cache", Config(root=root, select=("ASL106",))

    def found() -> list[tuple[str, int]]:
        cached = _findings(check_paths([root], config, cache_dir=cache))
        assert cached == _findings(check_paths([root], config))
        return [(Path(name).name, row) for name, row, _, _ in cached]

    assert found() == [("routes.py", 10)]
    (root / "app" / "services" / "rates.py").write_text(SERVICES_ASYNC_SAFE)
    assert found() == []


def test_a_route_an_earlier_one_answers_first(tmp_path: Path) -> None:
    """Two routers serve `GET /user/library`: Starlette runs the one mounted first, so only
    its N+1 is reported; mounting them the other way round swaps them, from the cache too
    (the routers' files did not change, the app's order did)."""
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "project_shadowed_routes", root)
    cache, config = tmp_path / "cache", Config(root=root, select=("ASL301",))

    def found() -> set[tuple[str, int]]:
        cached = _findings(check_paths([root], config, cache_dir=cache))
        assert cached == _findings(check_paths([root], config))
        return {(Path(name).name, row) for name, row, _, _ in cached}

    first = found()
    assert ("user.py", 14) in first and ("user_library.py", 15) not in first
    main = root / "app" / "main.py"
    user, library = (
        'app.include_router(user.router, prefix="/user")\n',
        "app.include_router(user_library.router)\n",
    )
    main.write_text(main.read_text().replace(user + library, library + user))
    swapped = found()
    assert ("user.py", 14) not in swapped and ("user_library.py", 15) in swapped


def test_star_imports_bind_the_last_name_and_cycles_end(tmp_path: Path) -> None:
    """`from .b import *` then `from .a import *`: the name is `a`'s, which does not block.
    Packages that star-import each other in a ring still finish."""
    root = tmp_path / "shop"
    (root / "app" / "helpers").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    helpers = root / "app" / "helpers"
    (helpers / "__init__.py").write_text("from .b import *\nfrom .a import *\n")
    (helpers / "a.py").write_text("def fetch_rates():\n    return {}\n")
    (helpers / "b.py").write_text(SERVICES)
    for number in range(12):  # a ring of star imports, none defining what is asked
        after, further = (number + 1) % 12, (number + 5) % 12
        (root / "app" / f"ring{number}.py").write_text(
            f"from app.ring{after} import *\nfrom app.ring{further} import *\n"
        )
    (root / "app" / "routes.py").write_text(
        ROUTES.replace("app.services", "app.helpers")
        + "\n\nfrom app.ring0 import missing\n\n\n@router.get('/x')\nasync def x():\n"
        "    return missing()\n"
    )
    config = Config(root=root, select=("ASL106",))
    assert _findings(check_paths([root], config)) == []
    (helpers / "__init__.py").write_text("from .a import *\nfrom .b import *\n")
    assert [row for _, row, _, _ in _findings(check_paths([root], config))] == [10]


def test_a_package_init_runs_only_with_its_package(tmp_path: Path) -> None:
    root = _reach_project(tmp_path / "shop")
    evals = root / "evals"  # an eval harness next to the app: its CLI imports the package
    evals.mkdir()
    (evals / "__init__.py").write_text("from evals.suite import owners\n")
    (evals / "suite.py").write_text(N_PLUS_ONE)
    (evals / "cli.py").write_text("from evals import suite\n")
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [Path(d.filename).name for d in found] == ["crud.py"]
    main = root / "app" / "main.py"
    main.write_text("import evals\n" + main.read_text())  # the app imports the package
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert sorted(Path(d.filename).name for d in found) == ["crud.py", "suite.py"]


def test_a_package_that_loads_its_modules_runs_with_the_app_inside_it(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    web = root / "shop" / "web"
    web.mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("")
    (web / "__init__.py").write_text(  # auto-discovers its route modules when imported
        "import importlib\nimport pkgutil\n\nfor m in pkgutil.iter_modules(__path__):\n"
        "    importlib.import_module(f'{__name__}.{m.name}')\n"
    )
    (web / "app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    (web / "users.py").write_text(
        "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom shop.web.app import app\n\n\n"
        '@app.get("/owners")\nasync def owners(db: AsyncSession, ids: list[int]):\n'
        "    return [await db.get(Owner, i) for i in ids]\n"
    )
    found = check_paths([root], Config(root=root, preview=True)).diagnostics
    assert [(Path(d.filename).name, d.code) for d in found] == [("users.py", "ASL301")]


def test_an_answer_through_a_cycle_does_not_depend_on_what_was_asked_first(
    tmp_path: Path,
) -> None:
    """`f` returns `g()` and `g` returns `f()`: asked about `f`, `g` first sees `f` still
    being worked out; that partial answer must not stand for `g` afterwards."""
    root = tmp_path / "shop"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    clients = (
        "import httpx\n\n\ndef g():\n    return f()\n\n\n"
        "def f():\n    if a:\n        return httpx.Client()\n    return g()\n"
    )
    (root / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n\nfrom app.clients import g\n\napp = FastAPI()\n\n\n"
        '@app.get("/")\nasync def handler():\n    client = g()\n'
        '    return client.get("https://example.com").json()\n'
    )
    for tail in ("", "\n\ng().close()\n", "\n\nf().close()\n"):
        (root / "app" / "clients.py").write_text(clients + tail)
        found = check_paths([root], Config(root=root), jobs=1).diagnostics
        assert [(Path(d.filename).name, d.code) for d in found] == [("main.py", "ASL101")]
