from __future__ import annotations

from asynclint.rule import Rule


class UnreadableFile(Rule):
    """## What it does
    Reports a file that cannot be checked: it cannot be read (permissions, vanished), is not
    valid in its encoding (non-UTF-8 without a coding cookie), is binary, is too large, or
    crashed or hung the parser.

    ## Why is this bad?
    A file that is not checked must not look like a file that passed. This finding says which
    file was skipped and why, while every other file is still checked.

    ## Example
    ```python
    # latin-1 bytes without a coding cookie
    name = "caf\\xe9"
    ```

    Use instead:
    ```python
    # -*- coding: latin-1 -*-
    name = "caf\\xe9"
    ```
    """

    code = "ASL002"
    name = "unreadable-file"
    message = "{detail}"
    engine_only = True
