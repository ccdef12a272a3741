"""Background job kinds of the ledger app (registered with `jobs.registry` when the app is ready)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from branches.models import OrgUnit
from branches.selectors import Action, scope_for
from jobs.registry import register
from ledger.exports import ExportSelection, build_workbook_bytes, export_file_name
from ledger.models import Campaign
from ledger.selectors.exports import export_ledgers

LEDGER_EXPORT = "ledger_export"
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
