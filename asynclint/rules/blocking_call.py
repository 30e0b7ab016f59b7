from __future__ import annotations

import libcst as cst

from asynclint.rule import Rule


class BlockingCall(Rule):
    """## What it does
    Checks for calls that your project declares blocking, in the `extra-blocking-calls`
    setting (qualified name -> suggestion), made on the event loop.

    ## Why is this bad?
    Every service has its own blocking calls: a sync SDK, an in-house client, a slow
    serialiser. Declaring them once lets asynclint find them everywhere, through aliases.

    ## Example
    ```toml
    [tool.asynclint.extra-blocking-calls]
    "boto3.client" = "use aioboto3"
    ```
    ```python
    import boto3
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/buckets")
    async def buckets():
        return boto3.client("s3").list_buckets()
    ```

    Use instead:
    ```python
    import aioboto3
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/buckets")
    async def buckets():
        async with aioboto3.Session().client("s3") as s3:
            return await s3.list_buckets()
    ```

    ## References
    - [Configuration: extra-blocking-calls](../../README.md#configuration)
    """

    code = "ASL100"
    name = "blocking-call"
    message = "`{callee}` blocks the event loop in {context}: {suggestion}"
    requires_text = ("async",)
    settings = ("extra-blocking-calls",)

    def visit_Call(self, node: cst.Call) -> None:
        extra = self.config.extra_blocking_calls
        if not extra:
            return
        context = self.semantic.loop_context(node)
        if context is None:
            return
        for qname in sorted(self.semantic.qualified_names(node.func)):
            if qname in extra:
                self.report(node, callee=qname, context=context.describe(), suggestion=extra[qname])
                return
