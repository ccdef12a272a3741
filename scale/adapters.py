"""Glue between the benchmark and the pieces of the product it measures: each function returns callables."""

from __future__ import annotations

from collections.abc import Callable

from branches.selectors import scope_for
from ledger.exports import ExportSelection, build_workbook_bytes
from ledger.selectors.exports import export_ledgers
from notifications.services import reminders_send
from reports.pdf import html_to_pdf, report_html
from reports.services import report_initial_fields, report_save


def annex2_export() -> Callable:
    """(ctx, unit) -> workbook bytes: the 附件2 export of every ledger of the campaign under `unit`, as the
    county's organization department would download it (its scope, the background job's code path)."""

    def export(ctx, unit) -> bytes:
        ledgers = export_ledgers(scope=scope_for(ctx.users["county"]), campaign=ctx.campaign, unit=unit)
        return build_workbook_bytes(ExportSelection(campaign=ctx.campaign, unit=unit, ledgers=ledgers))

    return export


WORK_DONE = (
    "按照上级党组织通知要求，召开专题会议研究部署对账整改专项行动，指导所属党支部逐条逐项开展对照检查和延伸自查。\n"
    "各党支部建立问题整改台账，明确整改措施、完成时限和责任人，实行销号管理。"
)
NEXT_STEPS = "持续跟踪各党支部整改进度，开展整改“回头看”，对整改不到位的党支部督促限期整改。"


def annex3_report() -> tuple[Callable, Callable]:
    """((ctx, general_branch, font_family) -> report HTML, html -> PDF bytes) for the 附件3 report: a draft
    report saved through the service with section 二 pre-filled from the ledgers, rendered as the job does."""

    def html_of(ctx, unit, font_family: str | None = None) -> str:
        fields = report_initial_fields(campaign=ctx.campaign, unit=unit)
        report = report_save(actor=ctx.users["gb"], campaign=ctx.campaign, unit=unit, version=0, work_done=WORK_DONE,
                             problems_found=fields["problems_found"], next_steps=NEXT_STEPS)
        return report_html(report, signed=None, font_family=font_family)

    return html_of, html_to_pdf


def tally_recount() -> tuple[Callable, Callable]:
    """((full) -> rows written: one run of the beat's tally recount, (campaign, path) -> None: a change under
    `path` as any service records it (the block's mark moves)."""
    from ledger.services.tally_marks import tally_mark_bump
    from reviews.tallies import tallies_refresh

    def recount(full: bool = False) -> int:
        return sum(tallies_refresh(full=full).values())

    def change(campaign, path: str) -> None:
        tally_mark_bump(campaign=campaign, unit_path=path)

    return recount, change


def campaign_zip() -> Callable:
    """(campaign, output, progress, workdir) -> workbooks: the whole campaign as one ZIP of per-unit workbooks at
    the default level, as `manage.py export_campaign_zip` writes it (temporary workbooks in `workdir`)."""
    from ledger.zip_exports import make_plan, write_campaign_zip

    def write(campaign, output, progress, workdir) -> int:
        plan = make_plan(scope=None, campaign=campaign, level=None)
        return write_campaign_zip(plan, output, progress=progress, workdir=workdir)

    return write


def reminder_sweep() -> Callable:
    """(today) -> notifications created: one run of the daily reminder sweep (every kind)."""

    def sweep(today) -> int:
        return sum(reminders_send(today=today).values())

    return sweep
