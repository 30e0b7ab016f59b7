from __future__ import annotations

from asynclint.rules._blocking import _BlockingCallRule
from asynclint.rules._calls import BLOCKING_FILE_IO


class BlockingFileIo(_BlockingCallRule):
    """## What it does
    Checks for file-system calls on the event loop: `open`, `io.open`, the `pathlib.Path`
    methods `read_text`, `read_bytes`, `write_text`, `write_bytes` and `open`, and `shutil`
    copies, moves, deletions and archives.

    ## Why is this bad?
    File I/O blocks the thread that does it. On a loaded disk or a network file system a read
    can take many milliseconds, during which the event loop serves nobody.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/report")
    async def report():
        with open("report.csv") as f:
            return f.read()
    ```

    Use instead:
    ```python
    import anyio
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/report")
    async def report():
        return await anyio.Path("report.csv").read_text()
    ```
    Or `await asyncio.to_thread(...)` around the sync code, or the `aiofiles` package.

    ## References
    - [anyio: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "ASL103"
    name = "blocking-file-io"
    fix_title = "Use `anyio.Path`/`aiofiles`, or `await asyncio.to_thread(...)`"
    table = BLOCKING_FILE_IO
