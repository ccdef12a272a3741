"""Job kinds register a runner here: `@register("kind")` on `def run(job, report_progress) -> (name, bytes)`.

The runner reads `job.params`, calls `report_progress(percent, message)` now and then, and returns
the file name and content of the result.
"""

from __future__ import annotations

from collections.abc import Callable

Runner = Callable[..., tuple[str, bytes]]
RUNNERS: dict[str, Runner] = {}


def register(kind: str) -> Callable[[Runner], Runner]:
    def decorate(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return decorate
