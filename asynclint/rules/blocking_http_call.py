from __future__ import annotations

import libcst as cst

from asynclint.fix import Fix
from asynclint.rule import FixAvailability
from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_HTTP
from asynclint.rules._http_fix import http_fix


class BlockingHttpCall(_BlockingCallRule):
    """## What it does
    Checks for blocking network calls made on the event loop: `requests` (module functions and
    `Session` methods), the sync `httpx` API and `httpx.Client`, `urllib.request.urlopen`,
    `urllib3`, `http.client`, `smtplib`, `ftplib` and `socket.create_connection`.

    ## Why is this bad?
    An `async def` route runs on the event loop. A blocking request holds the loop for the
    whole round trip: every other request the worker serves waits, so one slow upstream
    serialises the service.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/users/{user_id}")
    async def get_user(user_id: int):
        return requests.get(f"https://api.example.com/users/{user_id}").json()
    ```

    Use instead:
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/users/{user_id}")
    async def get_user(user_id: int):
        async with httpx.AsyncClient() as client:
            response = await client.get(f"https://api.example.com/users/{user_id}")
        return response.json()
    ```
    Or declare the route with plain `def`: FastAPI runs it in its threadpool.

    ## Fix safety
    `requests.get(...)` (and the other verbs, and the sync `httpx` module API) in an `async
    def` becomes `await client.get(...)` inside `async with httpx.AsyncClient(...) as client:`
    around the statement. Arguments keep requests' behaviour: `allow_redirects` becomes
    `follow_redirects` (`True` when not given, except for `head`), `timeout=None` when none was
    given, `verify`/`cert` move to the client, a raw `data=` body becomes `content=`. The
    response is fully read, so it stays usable after the block. Safe when every use of the
    response is in the API both libraries share (`json() text content status_code headers
    raise_for_status()`, with `ok` rewritten to `is_success`) and the function catches none of
    requests' errors (`except requests...`, `except OSError`); unsafe otherwise, and also when
    `ok`/`raise_for_status()` is read after a request with `headers=` (a 304 answer to a
    conditional request) or a `head` (a redirect not followed), where the two disagree. No fix
    where httpx has no exact equivalent (`stream=True`, `hooks=`, `proxies=`, a timeout tuple,
    a `Session`, `*args`/`**kwargs`), where the call sits in a condition, or where a comment on
    `verify=`/`cert=` would be lost. The client is `httpx2` where the file already uses
    it, or as `fix-http-client` says.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async Support](https://www.python-httpx.org/async/)
    """

    code = "ASL101"
    name = "blocking-http-call"
    fix_title = "Use `httpx.AsyncClient`, or make the route a plain `def`"
    fix_availability = FixAvailability.SOMETIMES
    table = BLOCKING_HTTP
    settings = ("fix-http-client",)

    def fix_for(self, node: cst.Call, callee: str) -> Fix | None:
        return http_fix(self.semantic, node, callee, self.config)
