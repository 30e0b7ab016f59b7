from __future__ import annotations

from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_SUBPROCESS


class BlockingSubprocess(_BlockingCallRule):
    """## What it does
    Checks for processes started or waited for on the event loop: `subprocess.run`, `call`,
    `check_call`, `check_output`, `Popen`, `getoutput`, `getstatusoutput`, `Popen.wait`,
    `Popen.communicate`, `os.system`, `os.popen`, `os.spawn*` and `os.wait*`.

    ## Why is this bad?
    Starting a process forks the interpreter and waiting for it holds the loop for as long as
    the child runs: seconds, for a typical conversion or shell command.

    ## Example
    ```python
    import subprocess
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/thumbnails")
    async def thumbnail(path: str):
        subprocess.run(["convert", path, "thumb.png"], check=True)
    ```

    Use instead:
    ```python
    import asyncio
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/thumbnails")
    async def thumbnail(path: str):
        process = await asyncio.create_subprocess_exec("convert", path, "thumb.png")
        await process.wait()
    ```

    ## References
    - [asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    """

    code = "ASL104"
    name = "blocking-subprocess"
    fix_title = "Use `asyncio.create_subprocess_exec`, or `await asyncio.to_thread(...)`"
    table = BLOCKING_SUBPROCESS
