"""The "situation_report" background job: render the signed report, sign it digitally, store it."""

from __future__ import annotations

from jobs.registry import register


@register("situation_report")
def run(job, report_progress) -> tuple[str, bytes]:
    from reports.services import report_render_and_sign

    report = report_render_and_sign(report_id=job.params["report_id"], progress=report_progress)
    if not report.pdf:
        raise RuntimeError("the report is not in the signing state")
    with report.pdf.open("rb") as handle:
        return f"{report.unit.name}-情况报告-{report.verification_code}.pdf", handle.read()
