"""Job kinds register a runner here: `@register("kind")` on `def run(job, report_progress) -> (name, bytes)`.

The runner reads `job.params`, calls `report_progress(percent, message)` now and then, and returns
the file name and content of the result: bytes, or (for a result too large to hold in memory, such as a
whole campaign's ZIP of workbooks) a `ResultFile`, a temporary file the runner wrote that `job_run` copies into
the private storage in chunks and then deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class ResultFile(type(Path())):
    """A temporary file holding a job's result: moved into the private storage, then deleted by `job_run`."""


Runner = Callable[..., tuple[str, bytes | ResultFile]]
RUNNERS: dict[str, Runner] = {}


def register(kind: str) -> Callable[[Runner], Runner]:
    def decorate(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return decorate
