from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule
from asynclint.rules._lifecycle import CLIENTS, built_per_request
from asynclint.semantic.fastapi import Role
from asynclint.semantic.scopes import Scope
from asynclint.semantic.walker import named_parameters

#: What an OAuth 2.0 authorization server sends to the client's redirect endpoint.
_OAUTH_REDIRECT = frozenset({"code", "state"})


class ClientPerRequest(Rule):
    """## What it does
    Checks for HTTP clients (`httpx.AsyncClient`, `httpx.Client`, `aiohttp.ClientSession`,
    `requests.Session`) constructed inside a request handler: a route, a dependency, a
    middleware or an exception handler, sync or async, `async with Client() as c:` included.
    Clients made in `lifespan` or startup hooks, at module level, in helper factories, or
    stored for later (`app.state.client = ...`, `self.client = ...`, a global) are fine. So is
    an OAuth redirect endpoint (a GET route taking `code` and `state`, RFC 6749 4.1.2): it
    runs once when a user connects an account or logs in, not under load. Nor is a client
    built only while a module-level name the handler fills is unset (`global key; if key:
    return key`, or under `if key is None:`): once filled, that code never runs again.

    ## Why is this bad?
    A client owns a connection pool. Building one per request throws the pool away after a
    single use: every request pays a new TCP connection and TLS handshake (tens to hundreds of
    milliseconds), keep-alive never helps, and under load the service runs out of sockets and
    file descriptors. An httpx client also loads the CA certificates into a new SSL context
    when it is built (about 50 ms of CPU with httpx 0.28, measured on a 2-core machine): in
    an `async def` that is 50 ms in which the event loop serves no other request, however
    slow the call the client then makes. Create one client for the process and share it.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/weather/{city}")
    async def weather(city: str):
        async with httpx.AsyncClient() as client:
            response = await client.get(f"https://api.example.com/weather/{city}")
        return response.json()
    ```

    Use instead:
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI, Request

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as client:
            app.state.http = client
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/weather/{city}")
    async def weather(city: str, request: Request):
        response = await request.app.state.http.get(f"https://api.example.com/weather/{city}")
        return response.json()
    ```

    ## References
    - [HTTPX: Clients](https://www.python-httpx.org/advanced/clients/)
    - [aiohttp: Client session](https://docs.aiohttp.org/en/stable/client_quickstart.html#make-a-request)
    - [FastAPI: Lifespan events](https://fastapi.tiangolo.com/advanced/events/)
    """

    code = "ASL201"
    name = "client-per-request"
    serves_requests = True
    message = "`{callee}` is created per request in {context}: {cost}"
    fix_title = "Create one client in `lifespan` (or at module level) and share it"
    requires_text = ("Client", "Session", "session")

    def visit_Call(self, node: cst.Call) -> None:
        found = built_per_request(self.semantic, node, CLIENTS)
        scope = self.semantic.scope_of(node)
        if found is not None and scope is not None and not self._oauth_redirect(scope.function):
            on_loop = scope.function.is_async
            self.report(
                node, callee=found[0], context=found[1], cost=_cost(found[0], node, on_loop)
            )

    def _oauth_redirect(self, function: Scope) -> bool:
        """A GET route taking `code` and `state`: the endpoint an OAuth 2.0 authorization
        server redirects a user to (RFC 6749, 4.1.2), called once when a user connects an
        account or logs in, not a path that carries load."""
        node = function.node
        fastapi = self.semantic.fastapi
        return (
            isinstance(node, cst.FunctionDef)
            and fastapi.role(node) is Role.ROUTE
            and fastapi.methods.get(id(node)) == frozenset({"GET"})
            and {p.name.value for p in named_parameters(node)} >= _OAUTH_REDIRECT
        )


def _cost(callee: str, call: cst.Call, on_loop: bool) -> str:
    """What building the client costs each request. An httpx client loads the CA
    certificates into a new SSL context (about 50 ms of CPU measured with httpx 0.28 on a
    2-core machine, in which an event loop runs nothing else), unless `verify=False` or a
    context made elsewhere (`verify=CONTEXT`) spares it; `verify=True` or a context built
    right there costs the same."""
    pool = "its connection pool is thrown away"
    verify = next((a.value for a in call.args if a.keyword and a.keyword.value == "verify"), None)
    made_elsewhere = isinstance(verify, (cst.Name, cst.Attribute))  # `False`, `CONTEXT`
    if not callee.startswith("httpx.") or (made_elsewhere and not _is_true(verify)):
        return pool
    cpu = "tens of ms of CPU"
    if on_loop:
        cpu += ", in which the event loop serves no other request"
    return f"building it loads the CA certificates into a new SSL context ({cpu}), and {pool}"


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
