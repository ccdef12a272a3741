"""Background job kinds of the ledger app (registered with `jobs.registry` when the app is ready)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from jobs.registry import ResultFile, register
from ledger.exports import ExportSelection, build_workbook_bytes, export_file_name
from ledger.lists import build_lists_bytes, lists_file_name
from ledger.models import Campaign
from ledger.selectors.exports import export_ledgers
from ledger.zip_exports import make_plan, write_campaign_zip

LEDGER_EXPORT = "ledger_export"
LEDGER_EXPORT_ZIP = "ledger_export_zip"
CARRY_OVER = "carry_over"


@register(LEDGER_EXPORT)
def run_ledger_export(job, report_progress) -> tuple[str, bytes]:
    """附件2 of a general branch, a committee or a whole campaign. The owner's scope is checked again
    here, when the job runs: a role withdrawn since the request no longer exports anything."""
    campaign = Campaign.objects.select_related("template", "issuer").get(pk=job.params["campaign"])
    unit = OrgUnit.objects.get(pk=job.params["unit"]) if job.params.get("unit") else None
    scope = scope_for(job.owner)
    if not scope.can(Action.VIEW, unit or campaign.issuer):
        raise PermissionDenied(_("您无权导出该范围的台账。"))
    selection = ExportSelection(campaign=campaign, unit=unit,
                                ledgers=export_ledgers(scope=scope, campaign=campaign, unit=unit))
    report_progress(1, _("正在读取台账……"))

    def progress(done: int, total: int) -> None:
        percent = 1 + int(97 * done / total) if total else 98
        report_progress(percent, _("已写入 %(done)s / %(total)s 行") % {"done": done, "total": total})

    content = build_workbook_bytes(selection, progress=progress)
    return export_file_name(selection), content


@register(LEDGER_EXPORT_ZIP)
def run_ledger_export_zip(job, report_progress) -> tuple[str, ResultFile]:
    """Everything of a campaign the owner sees, one workbook per unit at the chosen level (None: the default),
    in a ZIP written to a temporary file that `job_run` moves into the private storage. The owner's scope is
    read when the job runs, as for the single export."""
    campaign = Campaign.objects.select_related("template", "issuer").get(pk=job.params["campaign"])
    report_progress(1, _("正在读取台账……"))
    plan = make_plan(scope=scope_for(job.owner), campaign=campaign, level=job.params.get("level"))
    if not plan.roots:
        raise PermissionDenied(_("您无权导出该范围的台账。"))

    def progress(done: int, total: int, name: str) -> None:
        report_progress(1 + int(97 * done / total), _("第 %(n)s/%(total)s 个单位：%(name)s") % {
            "n": done, "total": total, "name": name})

    with tempfile.NamedTemporaryFile(prefix="ledger-zip-", suffix=".zip", delete=False) as handle:
        output = ResultFile(handle.name)
    try:
        write_campaign_zip(plan, Path(output), progress=progress)
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return plan.file_name(), output


@register(CARRY_OVER)
def run_carry_over(job, report_progress) -> tuple[str, bytes]:
    """A large carry-over (结转); the service checks the owner's right again and writes in one transaction."""
    from ledger.services.carry_over import campaign_carry_over

    campaign = Campaign.objects.get(pk=job.params["campaign"])
    source = Campaign.objects.get(pk=job.params["source"])
    report_progress(5, _("正在结转……"))
    result = campaign_carry_over(actor=job.owner, campaign=campaign, source_campaign=source)
    summary = _("从“%(source)s”结转到“%(campaign)s”：%(l)d 本台账，%(p)d 个问题，%(i)d 项整改措施。\n") % {
        "source": source.name, "campaign": campaign.name, "l": result.ledgers, "p": result.problems,
        "i": result.items}
    return "carry-over.txt", summary.encode("utf-8")


LISTS_EXPORT = "ledger_lists_export"


@register(LISTS_EXPORT)
def run_lists_export(job, report_progress) -> tuple[str, bytes]:
    """三单一账 of a unit's subtree or a whole campaign; the owner's scope checked again when the job runs."""
    campaign = Campaign.objects.select_related("template", "issuer").get(pk=job.params["campaign"])
    unit = OrgUnit.objects.get(pk=job.params["unit"]) if job.params.get("unit") else None
    scope = scope_for(job.owner)
    if not scope.can(Action.VIEW, unit or campaign.issuer):
        raise PermissionDenied(_("您无权导出该范围的台账。"))
    selection = ExportSelection(campaign=campaign, unit=unit,
                                ledgers=export_ledgers(scope=scope, campaign=campaign, unit=unit))
    report_progress(1, _("正在读取台账……"))

    def progress(done: int, total: int) -> None:
        percent = 1 + int(97 * done / total) if total else 98
        report_progress(percent, _("已写入 %(done)s / %(total)s 行") % {"done": done, "total": total})

    return lists_file_name(selection), build_lists_bytes(selection, progress=progress)
