"""The semantic model: qualified names, scopes, origins and FastAPI roles."""

from __future__ import annotations

import libcst as cst
import pytest

from asynclint.semantic.fastapi import Role
from asynclint.semantic.model import SemanticModel
from asynclint.semantic.summary import nearest


def model_of(source: str, module_name: str = "pkg.app.routes") -> SemanticModel:
    return SemanticModel(cst.parse_module(source), module_name, ())


def call_names(model: SemanticModel) -> dict[str, frozenset[str]]:
    return {
        model.module.code_for_node(call.func): model.qualified_names(call.func)
        for call in model.nodes(cst.Call)
    }


def test_import_aliases_and_attribute_chains() -> None:
    model = model_of(
        "import os.path\nimport urllib.request as ur\nfrom time import sleep as nap\n"
        "os.path.join('a')\nur.urlopen('x')\nnap(1)\n"
    )
    names = call_names(model)
    assert names["os.path.join"] == {"os.path.join"}
    assert names["ur.urlopen"] == {"urllib.request.urlopen"}
    assert names["nap"] == {"time.sleep"}


def test_relative_imports_resolve_against_the_package() -> None:
    model = model_of("from ..db import get_db\nfrom . import deps\nget_db()\ndeps.x()\n")
    names = call_names(model)
    assert names["get_db"] == {"pkg.db.get_db"}
    assert names["deps.x"] == {"pkg.app.deps.x"}


def test_relative_imports_in_a_package_init_start_from_the_package() -> None:
    source = "from .routes import router\nfrom ..db import get_db\nrouter.x()\nget_db()\n"
    model = SemanticModel(cst.parse_module(source), "pkg.app", (), is_package=True)
    names = call_names(model)
    assert names["router.x"] == {"pkg.app.routes.router.x"}
    assert names["get_db"] == {"pkg.db.get_db"}


def test_parameters_and_locals_shadow_modules() -> None:
    model = model_of(
        "import requests\ndef f(requests):\n    requests.get()\n"
        "def g():\n    requests = []\n    requests.append(1)\n"
    )
    assert all(not names for names in call_names(model).values())


def test_global_declaration_reaches_module_binding() -> None:
    model = model_of("import requests\ndef f():\n    global requests\n    requests.get()\n")
    assert call_names(model)["requests.get"] == {"requests.get"}


def test_builtins_and_canonical_names() -> None:
    model = model_of(
        "from sqlalchemy.orm.session import Session\nopen('x')\ns = Session()\ns.execute(1)\n"
    )
    names = call_names(model)
    assert names["open"] == {"builtins.open"}
    assert names["s.execute"] == {"sqlalchemy.orm.Session.execute"}


def test_loop_context_boundaries() -> None:
    model = model_of(
        "import time\nasync def f():\n    time.sleep(1)\n    def g():\n        time.sleep(2)\n"
        "    h = lambda: time.sleep(3)\n    class C:\n        x = time.sleep(4)\n"
        "    [time.sleep(5) for _ in range(2)]\n"
    )
    in_loop = {
        model.module.code_for_node(call)
        for call in model.nodes(cst.Call)
        if model.loop_context(call) is not None
    }
    assert in_loop == {"time.sleep(1)", "time.sleep(5)", "range(2)"}


def test_origins_from_annotations_and_dependencies() -> None:
    model = model_of(
        "from typing import Annotated, Optional\nfrom fastapi import Depends\n"
        "from sqlalchemy.orm import Session\nfrom sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def get_async() -> AsyncSession: ...\n"
        "Db = Annotated[Session, Depends(lambda: None)]\n"
        "async def a(x: Optional[Session], y: Session | None, z: Db,\n"
        "            w: Session = Depends(get_async)):\n"
        "    x.get(); y.get(); z.get(); w.get()\n"
    )
    names = call_names(model)
    for receiver in "xyz":
        assert names[f"{receiver}.get"] == {"sqlalchemy.orm.Session.get"}
    assert names["w.get"] == {"sqlalchemy.ext.asyncio.AsyncSession.get"}


def test_fastapi_roles() -> None:
    model = model_of(
        "from fastapi import APIRouter, Depends, FastAPI\nfrom .deps import router as shared\n"
        "app = FastAPI(lifespan=lambda app: None)\nr = APIRouter()\n"
        "async def dep(): ...\n@r.get('/a')\nasync def route(d=Depends(dep)): ...\n"
        "@shared.post('/b')\nasync def imported_router(): ...\n"
        "@app.middleware('http')\nasync def mw(request, call_next): ...\n"
        "@app.on_event('startup')\nasync def boot(): ...\n"
        "async def ep(): ...\napp.add_api_route('/c', ep)\n"
        "async def helper(): ...\n"
    )
    roles = {func.name.value: model.fastapi.role(func) for func in model.nodes(cst.FunctionDef)}
    assert roles == {
        "dep": Role.DEPENDENCY,
        "route": Role.ROUTE,
        "imported_router": Role.ROUTE,
        "mw": Role.MIDDLEWARE,
        "boot": Role.STARTUP,
        "ep": Role.ROUTE,
        "helper": None,
    }


def test_routes_that_only_read() -> None:
    """GET, HEAD and websocket routes only read; a route that also answers POST writes."""
    model = model_of(
        "from fastapi import APIRouter, Depends\nr = APIRouter()\n"
        "async def dep(): ...\n"
        "@r.get('/a')\nasync def read(d=Depends(dep)): ...\n"
        "@r.get('/b')\n@r.post('/b')\nasync def both(): ...\n"
        "@r.api_route('/c', methods=['GET', 'HEAD'])\nasync def listed(): ...\n"
        "@r.api_route('/d', methods=METHODS)\nasync def unknown(): ...\n"
        "@r.websocket('/ws')\nasync def ws(websocket): ...\n"
        "async def ep(): ...\nr.add_api_route('/e', ep, methods=['PUT'])\n"
        "async def plain(): ...\nr.add_api_route('/f', plain)\n"
        "@r.get('/g')\nasync def mixed(): ...\nr.add_api_route('/g', mixed, methods=['POST'])\n"
        "async def star(): ...\nr.add_route('/h', star, ['GET', 'POST'])\n"
        "async def helper(): ...\n"
    )
    reads = {f.name.value: model.fastapi.reads_only(f) for f in model.nodes(cst.FunctionDef)}
    assert reads == {
        "dep": True,  # a dependency serves every request that names it
        "read": True,
        "both": False,
        "listed": True,
        "unknown": False,
        "ws": True,
        "ep": False,
        "plain": True,
        "mixed": False,  # registered twice: GET by its decorator, POST by add_api_route
        "star": False,  # Starlette's add_route takes the methods third, positionally
        "helper": False,
    }


def test_thread_runner_callables_are_offloaded() -> None:
    model = model_of(
        "import asyncio\nfrom fastapi.concurrency import run_in_threadpool\n"
        "async def f(loop):\n    await asyncio.to_thread(work, 1)\n"
        "    await run_in_threadpool(other)\n    await loop.run_in_executor(None, third)\n"
    )
    offloaded = (
        {
            model.module.code_for_node(node)
            for node in model.nodes(cst.Name)
            if model.is_offloaded(node)
        }
        if model.nodes(cst.Name)
        else set()
    )
    calls = {model.module.code_for_node(c): c for c in model.nodes(cst.Call)}
    args = {
        model.module.code_for_node(a.value)
        for c in calls.values()
        for a in c.args
        if model.is_offloaded(a.value)
    }
    assert args == {"work", "other", "third"}
    assert offloaded == set()  # Name nodes are not collected unless a rule asks


@pytest.mark.parametrize(
    "modules, near, found",
    [
        (["svc1.app.db", "svc2.app.db"], "svc2.app.routes", 1),  # the importer's service
        (["svc1.app.db", "svc2.app.db"], "tools.run", None),  # none shares a package
        (["app.db", "app"], "app.routes", None),  # a tie: no single best
        (["app.db", "other.db"], "app", 0),  # a one-part importer still shares `app`
        (["app.db"], "anything", 0),  # the only one
        ([], "app.routes", None),
    ],
)
def test_nearest_module_of_an_import(modules: list[str], near: str, found: int | None) -> None:
    assert nearest(modules, near) == found


def test_the_index_answers_anew_when_a_module_of_a_name_it_looked_for_comes() -> None:
    from asynclint.semantic.summary import NO_ANSWER, ModuleSummary, ProjectIndex

    def redis(module: str, kind: str) -> ModuleSummary:
        return ModuleSummary(module, values={"redis": frozenset({kind})})

    index = ProjectIndex([ModuleSummary("shop.app.routes", reexports={"x": "app.x"})])
    assert index.answer("app.db.redis", "other.app.routes") == NO_ANSWER
    index.add(redis("shop.app.db", "redis.Redis"))
    assert index.answer("app.db.redis", "other.app.routes")[0] == ("redis.Redis",)
    index.add(redis("shop.app.users", "redis.asyncio.Redis"))  # not a name it looked for
    assert index.answer("app.db.redis", "other.app.routes")[0] == ("redis.Redis",)
    # An `app.db` nearer to the module that asks: the one it means from now on.
    index.add(redis("other.app.db", "redis.asyncio.Redis"))
    assert index.answer("app.db.redis", "other.app.routes")[0] == ("redis.asyncio.Redis",)
    assert index.value_types("app.db.redis", "other.app.routes") == {"redis.asyncio.Redis"}
    assert index.value_types("app.db.redis", "shop.app.routes") == {"redis.Redis"}
