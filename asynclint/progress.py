"""A progress bar on stderr for runs that take more than a moment, on a terminal only."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

#: Environment variables CI services set: their logs get no bar, whatever they claim to be.
_CI = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "TF_BUILD",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
)


def wanted(stream: TextIO) -> bool:
    """A bar helps on an interactive terminal, never in a CI log or a pipe."""
    if any(os.environ.get(name) for name in _CI) or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    """Shown only once a run has taken `delay` seconds; gone (transient) when it ends."""

    def __init__(self, stream: TextIO, delay: float = 0.5) -> None:
        self.stream = stream
        self.delay = delay
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int, doing: str) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(doing, total=total)
        assert self.task is not None
        self.progress.update(self.task, completed=done, total=total, description=doing)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
