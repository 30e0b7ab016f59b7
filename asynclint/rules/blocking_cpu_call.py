from __future__ import annotations

from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_CPU


class BlockingCpuCall(_BlockingCallRule):
    """## What it does
    Checks for password hashing and key derivation on the event loop: `bcrypt.hashpw`,
    `checkpw` and `kdf`, passlib's `CryptContext.hash`, `verify` and `verify_and_update`,
    `hashlib.pbkdf2_hmac` and `scrypt`, `argon2.PasswordHasher.hash` and `verify`.

    ## Why is this bad?
    These functions are slow on purpose: a bcrypt hash takes 100-300 ms of CPU. On the event
    loop, every login stalls every other request for that long.

    ## Example
    ```python
    import bcrypt
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/login")
    async def login(password: str, stored: bytes):
        return bcrypt.checkpw(password.encode(), stored)
    ```

    Use instead:
    ```python
    import asyncio

    import bcrypt
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/login")
    async def login(password: str, stored: bytes):
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), stored)
    ```

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "ASL107"
    name = "blocking-cpu-call"
    fix_title = "Run it in a thread: `await asyncio.to_thread(...)`"
    table = BLOCKING_CPU
