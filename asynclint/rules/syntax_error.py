from __future__ import annotations

from asynclint.rule import Rule


class SyntaxError_(Rule):
    """## What it does
    Reports a file that cannot be parsed, at the position of the error.

    ## Why is this bad?
    asynclint cannot check a file it cannot parse, and neither can Python run it. Reporting the
    file, rather than skipping it, means a broken file never passes a check silently.

    ## Example
    ```python
    async def handler(:
        ...
    ```

    Use instead:
    ```python
    async def handler():
        ...
    ```
    """

    code = "ASL001"
    name = "syntax-error"
    message = "SyntaxError: {detail}"
    engine_only = True
