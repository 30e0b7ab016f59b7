from __future__ import annotations

from functools import cached_property

import libcst as cst

from asynclint.pins import version_tuple
from asynclint.rule import Rule

_REGISTRATIONS = frozenset({"on_event", "add_event_handler"})
#: The first FastAPI release whose `FastAPI(lifespan=...)` takes a context manager.
LIFESPAN_SINCE = (0, 93)


class DeprecatedOnEvent(Rule):
    """## What it does
    Checks for startup and shutdown hooks registered with `@app.on_event(...)`,
    `@router.on_event(...)` or `app.add_event_handler(...)` on a FastAPI app or router.

    Not reported in a project held to a FastAPI release older than 0.93, which has no
    `lifespan` to move to: the `fastapi-version` setting, or else a pin with an upper bound
    (`fastapi==0.92.0`, `fastapi = "^0.79"`) in the pyproject.toml or requirements.txt of the
    nearest folder above the file that declares FastAPI.

    ## Why is this bad?
    `on_event` is deprecated in FastAPI and Starlette in favour of a `lifespan` context
    manager. The two do not mix: once an app is given `lifespan=`, its `on_event` hooks are
    silently never called, so a half-migrated app starts without its connection pools or
    background workers. A `lifespan` also keeps setup and teardown of one resource in one
    function, and can hand that resource to requests through `app.state` or the lifespan state.

    ## Example
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()

    @app.on_event("startup")
    async def open_client():
        app.state.http = httpx.AsyncClient()

    @app.on_event("shutdown")
    async def close_client():
        await app.state.http.aclose()
    ```

    Use instead:
    ```python
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with httpx.AsyncClient() as http:
            app.state.http = http
            yield

    app = FastAPI(lifespan=lifespan)
    ```

    ## References
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    - [Starlette: Lifespan](https://www.starlette.io/lifespan/)
    """

    code = "ASL501"
    name = "deprecated-on-event"
    message = (
        "`{method}({event})` registers a deprecated {phase} hook (ignored as soon as the app "
        "gets a `lifespan`): move this code into a `lifespan` context manager"
    )
    fix_title = "Move the hook into a `lifespan` async context manager passed to `FastAPI(...)`"
    requires_text = ("on_event", "add_event_handler")
    settings = ("fastapi-version",)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _REGISTRATIONS:
            return
        if not self.semantic.fastapi.is_app(func.value) or self._before_lifespan:
            return
        event = _event(node)
        arguments = f'"{event}"' if event else "..."
        if func.attr.value == "add_event_handler":
            arguments += ", ..."
        parent = self.semantic.parent_of(node)
        self.report(
            parent if isinstance(parent, cst.Decorator) else node,
            method=func.attr.value,
            event=arguments,
            phase=event if event in ("startup", "shutdown") else "startup/shutdown",
        )

    @cached_property
    def _before_lifespan(self) -> bool:
        version = self.config.fastapi_version
        return version is not None and version_tuple(version) < LIFESPAN_SINCE


def _event(call: cst.Call) -> str | None:
    """The event name passed as the first or `event_type=` argument, when it is a literal."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value == "event_type":
            if isinstance(arg.value, cst.SimpleString):
                value = arg.value.evaluated_value
                return value if isinstance(value, str) else None
            return None
    return None
