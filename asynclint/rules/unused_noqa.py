from __future__ import annotations

from asynclint.rule import Rule


class UnusedNoqa(Rule):
    """## What it does
    Reports a `# noqa` comment that suppresses no finding: a `# noqa: ASL102` where no ASL102
    is found on the line, or a bare `# noqa` where nothing is found at all. Off unless
    `--report-unused-noqa` (or `report-unused-noqa = true`) is given.

    Only codes of rules enabled in the run count; codes of other tools (`E501`) are left alone.

    ## Why is this bad?
    A suppression outlives the code it was written for: once the blocking call is gone, the
    comment stays and silently hides the next pitfall written on that line.

    ## Example
    ```toml
    [tool.asynclint]
    report-unused-noqa = true
    ```

    ```python
    import asyncio

    async def handler():
        await asyncio.sleep(1)  # noqa: ASL102
    ```

    Use instead:
    ```python
    import asyncio

    async def handler():
        await asyncio.sleep(1)
    ```
    """

    code = "ASL003"
    name = "unused-noqa"
    message = "Unused `noqa` directive ({detail})"
    engine_only = True
    settings = ("report-unused-noqa",)
