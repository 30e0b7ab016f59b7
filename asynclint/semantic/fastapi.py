"""FastAPI roles: which functions are routes, dependencies, middleware, lifespan hooks."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import libcst as cst

from asynclint.semantic.origins import is_injected
from asynclint.semantic.scopes import BindingKind, Scope, ScopeKind
from asynclint.semantic.tables import (
    APP_TYPES,
    APPLICATIONS,
    DEPENDS,
    LOOP_RUNNER_METHODS,
    LOOP_RUNNERS,
)
from asynclint.semantic.walker import body_nodes, named_parameters

if TYPE_CHECKING:
    from asynclint.semantic.model import SemanticModel

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)
ROUTE_REGISTRATIONS = {"add_api_route": 1, "add_api_websocket_route": 1, "add_route": 1}
# Attribute calls that can matter here: `fastapi.Depends(...)`, `asyncio.run(...)`,
# `app.add_api_route(...)`, `loop.run_until_complete(...)`...
_INTERESTING_ATTRIBUTES = (
    frozenset(
        {
            "Depends",
            "Security",
            "FastAPI",
            "APIRouter",
            "run",
            "add_exception_handler",
            "add_event_handler",
            *ROUTE_REGISTRATIONS,
        }
    )
    | LOOP_RUNNER_METHODS
)


class Role(enum.Enum):
    ROUTE = "route"
    DEPENDENCY = "dependency"
    HANDLER = "handler"  # a route or dependency registered elsewhere: FastAPI fills its params
    MIDDLEWARE = "middleware"
    EXCEPTION_HANDLER = "exception handler"
    LIFESPAN = "lifespan"
    STARTUP = "startup hook"
    SHUTDOWN = "shutdown hook"

    @property
    def per_request(self) -> bool:
        return self not in (Role.LIFESPAN, Role.STARTUP, Role.SHUTDOWN)


class FastAPIModel:
    """Roles of the functions of one file, found from decorators and registrations."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.roles: dict[int, Role] = {}
        #: Route -> the HTTP methods it answers (`WEBSOCKET` for a websocket route).
        self.methods: dict[int, frozenset[str]] = {}
        self.has_app = False
        self.runs_own_loop = False
        for func in model.nodes(cst.FunctionDef):
            for decorator in func.decorators:
                self._decorator(func, decorator.decorator)
            if func.decorators and _is_lifespan(model, func):
                self.roles.setdefault(id(func), Role.LIFESPAN)
        for call in model.nodes(cst.Call):
            self._call(call)
        # A dependency or route registered in another module: its parameters are `Depends`.
        for func in model.nodes(cst.FunctionDef):
            if id(func) not in self.roles and _takes_injected(model, func):
                self.roles[id(func)] = Role.HANDLER

    @property
    def is_script(self) -> bool:
        """A module that starts its own event loop and serves nothing: a CLI or a job (it may
        define a lifespan, for an app another module builds)."""
        serves = any(role is not Role.LIFESPAN for role in self.roles.values())
        return self.runs_own_loop and not self.has_app and not serves

    @property
    def one_off(self) -> bool:
        """A module that never serves a request: a script or CLI that runs its own event loop
        (`asyncio.run(main())`) and has no app and no handlers, or an Alembic migration (it
        imports `alembic` and has no app and no handlers). A `__main__` block alone does not
        make one: a service module may keep a demo there."""
        if self.is_script:
            return True
        if self.has_app or self.roles:
            return False
        return any(
            b.kind is BindingKind.IMPORT and (b.qname or "").startswith("alembic")
            for bindings in self.model.module_scope.bindings.values()
            for b in bindings
        )

    def role(self, func: cst.FunctionDef) -> Role | None:
        return self.roles.get(id(func))

    def reads_only(self, func: cst.FunctionDef) -> bool:
        """`func` is a route that only reads (GET, HEAD, a websocket), or serves every request
        that names it (a dependency, a middleware, an exception handler): the paths a service
        runs most often. A function FastAPI fills with `Depends` registered in another module
        (a dependency, or a route whose methods are unknown here) counts as one."""
        role = self.roles.get(id(func))
        if role is Role.ROUTE:
            return self.methods.get(id(func), frozenset({"GET"})) <= READ_METHODS
        return role is not None and role.per_request

    def runs_once(self, func: cst.CSTNode | None) -> bool:
        """`func` is a lifespan or startup hook: it runs once, not per request."""
        role = self.roles.get(id(func))
        return role is not None and not role.per_request

    def starts(self, func: cst.CSTNode | None) -> bool:
        """`func` is a lifespan or a startup hook (not a shutdown hook): the app runs it while
        it starts (a lifespan up to its `yield`)."""
        return self.roles.get(id(func)) in (Role.LIFESPAN, Role.STARTUP)

    def _mark(self, target: cst.CSTNode | None, role: Role) -> None:
        func = self.model.local_function(target) if target is not None else None
        if func is not None:
            # A route that is also a dependency stays a route: both are per request.
            self.roles.setdefault(id(func), role)

    def is_app(self, receiver: cst.BaseExpression) -> bool:
        if self.model.types_of(receiver) & APP_TYPES:
            return True
        # An app or router imported from another module (`from app.api import router`).
        if isinstance(receiver, cst.Name):
            scope = self.model.scope_of(receiver)
            bindings = scope.lookup(receiver.value) if scope else None
            return bool(bindings) and all(b.kind is BindingKind.IMPORT for b in bindings)
        return False

    def _decorator(self, func: cst.FunctionDef, decorator: cst.BaseExpression) -> None:
        if not isinstance(decorator, cst.Call) or not isinstance(decorator.func, cst.Attribute):
            return
        method = decorator.func.attr.value
        receiver = decorator.func.value
        role, methods = None, frozenset[str]()
        if method in ROUTE_METHODS:
            role = Role.ROUTE
            methods = route_methods(decorator, method)
        elif method == "middleware":
            role = Role.MIDDLEWARE
        elif method == "exception_handler":
            role = Role.EXCEPTION_HANDLER
        elif method == "on_event":
            role = Role.SHUTDOWN if _first_string(decorator) == "shutdown" else Role.STARTUP
        if role is not None and self.is_app(receiver):
            self.roles[id(func)] = role
            if role is Role.ROUTE:  # `@router.get(...)` and `@router.head(...)` on one def
                self.methods[id(func)] = self.methods.get(id(func), frozenset()) | methods

    def _is_entry_point(self, call: cst.Call) -> bool:
        """Starting a loop at module level, in `main()` or in a CLI command: a script.

        A service helper that runs a coroutine from sync code (`loop.run_until_complete(x())`)
        does not make its module a script.
        """
        scope = self.model.scope_of(call)
        function = scope.function if scope is not None else None
        if function is None or function.kind is ScopeKind.MODULE:
            return True
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            return False
        return node.name.value == "main" or any(
            _decorator_name(d.decorator) in ("command", "callback") for d in node.decorators
        )

    def _call(self, call: cst.Call) -> None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in _INTERESTING_ATTRIBUTES:
            return  # `x.method(...)`: resolving every method call costs more than all the rest
        qnames = self.model.qualified_names(func)
        if qnames & DEPENDS:
            for arg in call.args:
                if arg.keyword is None or arg.keyword.value == "dependency":
                    self._mark(arg.value, Role.DEPENDENCY)
                    break
            return
        if qnames & APP_TYPES:
            self.has_app = True
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "lifespan":
                    self._mark(arg.value, Role.LIFESPAN)
            return
        if not isinstance(call.func, cst.Attribute):
            if qnames & LOOP_RUNNERS:
                self.runs_own_loop |= self._is_entry_point(call)
            return
        method = call.func.attr.value
        if qnames & LOOP_RUNNERS or method in LOOP_RUNNER_METHODS:
            self.runs_own_loop |= self._is_entry_point(call)
        elif method in ROUTE_REGISTRATIONS and self.is_app(call.func.value):
            endpoint = call_argument(call, ROUTE_REGISTRATIONS[method], "endpoint")
            self._mark(endpoint, Role.ROUTE)
            func = self.model.local_function(endpoint) if endpoint is not None else None
            if func is not None:  # with its decorators' and other registrations' methods
                self.methods[id(func)] = self.methods.get(id(func), frozenset()) | route_methods(
                    call, method
                )
        elif method == "add_exception_handler" and self.is_app(call.func.value):
            self._mark(call_argument(call, 1, "handler"), Role.EXCEPTION_HANDLER)
        elif method == "add_event_handler" and self.is_app(call.func.value):
            role = Role.SHUTDOWN if _first_string(call) == "shutdown" else Role.STARTUP
            self._mark(call_argument(call, 1, "func"), role)


#: What an app's `lifespan` is made with, and the app it is handed.
_CONTEXT_MANAGERS = frozenset({"contextlib.asynccontextmanager"})


def _is_lifespan(model: SemanticModel, func: cst.FunctionDef) -> bool:
    """An `@asynccontextmanager` over the app (`async def setup(app: FastAPI)`) that yields
    nothing or the lifespan's state (a dict): a lifespan, also when another module hands it
    to `FastAPI(lifespan=...)` or composes several. One that yields something else (a client)
    is a context manager requests use."""
    if not any(model.qualified_names(d.decorator) & _CONTEXT_MANAGERS for d in func.decorators):
        return False
    first = next(iter(named_parameters(func)), None)
    annotation = first.annotation if first is not None else None
    if annotation is None or not model.qualified_names(annotation.annotation) & APPLICATIONS:
        return False
    yields = [n for n in body_nodes(func.body) if isinstance(n, cst.Yield)]
    return bool(yields) and all(
        y.value is None
        or isinstance(y.value, cst.Dict)
        or (isinstance(y.value, cst.Call) and model.resolves_to(y.value.func, "builtins.dict"))
        for y in yields
    )


def _takes_injected(model: SemanticModel, func: cst.FunctionDef) -> bool:
    return any(is_injected(model, param) for param in named_parameters(func))


#: Methods that only read: what a page view or a list calls, many times a minute.
READ_METHODS = frozenset({"GET", "HEAD", "WEBSOCKET"})


def route_methods(call: cst.Call, method: str) -> frozenset[str]:
    """The HTTP methods a route registration answers: `@router.post` -> POST; for
    `api_route`/`add_api_route`, its `methods=[...]` (GET without it)."""
    if method in ("websocket", "add_api_websocket_route"):
        return frozenset({"WEBSOCKET"})
    if method not in ("api_route", "add_api_route", "add_route"):
        return frozenset({method.upper()})
    listed = call_argument(call, 2, "methods") if method == "add_route" else None
    listed = listed or next(
        (a.value for a in call.args if a.keyword and a.keyword.value == "methods"), None
    )
    if not isinstance(listed, (cst.List, cst.Tuple, cst.Set)):
        return frozenset({"GET"}) if listed is None else frozenset({"?"})
    strings = [e.value for e in listed.elements if isinstance(e.value, cst.SimpleString)]
    if len(strings) != len(listed.elements):
        return frozenset({"?"})
    return frozenset(str(s.evaluated_value).upper() for s in strings)


def _decorator_name(decorator: cst.BaseExpression) -> str | None:
    if isinstance(decorator, cst.Call):
        decorator = decorator.func
    if isinstance(decorator, cst.Attribute):
        return decorator.attr.value
    return decorator.value if isinstance(decorator, cst.Name) else None


def call_argument(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    """The argument passed at `position` (None: keyword only) or as `keyword`."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if position is None:
        return None
    return positional[position].value if len(positional) > position else None


def _first_string(call: cst.Call) -> str | None:
    if call.args and isinstance(call.args[0].value, cst.SimpleString):
        return call.args[0].value.evaluated_value  # type: ignore[return-value]
    return None


def describe(scope: Scope, role: Role | None) -> str:
    """How a message names the function a finding is in."""
    if role is None:
        return f"`async def {scope.name}`"
    if role.per_request:
        return f"async {role.value} `{scope.name}`"
    return f"async {role.value} `{scope.name}` (runs at startup or shutdown, not per request)"
