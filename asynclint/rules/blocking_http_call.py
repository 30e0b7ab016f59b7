from __future__ import annotations

from asynclint.rule import FixAvailability
from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_HTTP


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

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async Support](https://www.python-httpx.org/async/)
    """

    code = "ASL101"
    name = "blocking-http-call"
    fix_title = "Use `httpx.AsyncClient`, or make the route a plain `def`"
    fix_availability = FixAvailability.NEVER
    table = BLOCKING_HTTP
