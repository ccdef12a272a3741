"""Job kinds for the tests; the worker subprocess imports this module too, so both sides know them."""

from __future__ import annotations

from jobs.registry import register


@register("test_echo")
def run_echo(job, report_progress) -> tuple[str, bytes]:
    report_progress(50, "半程")
    return "回声.txt", f"回声：{job.params.get('text', '')}".encode()


@register("test_fail")
def run_fail(job, report_progress) -> tuple[str, bytes]:
    raise RuntimeError("故意失败")
