"""Background job kinds of the reviews app (registered with `jobs.registry` when the app is ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jobs.registry import register
from ledger.models import Campaign, Ledger

FIGURES_RECOUNT = "figures_recount"


@register(FIGURES_RECOUNT)
def run_figures_recount(job, report_progress) -> tuple[str, bytes]:
    """Count a campaign's stored figures again after its results period changed (`reviews.services.policy_set`).
    A job superseded by a later change of the rule stops at once: the later one counts everything again."""
    from reviews.figures import figures_recount_campaign
    from reviews.models import ResultPolicy

    campaign = Campaign.objects.get(pk=job.params["campaign"])
    if not ResultPolicy.objects.filter(campaign=campaign, recount_job=job).exists():
        summary = _("“%(campaign)s”的结果运用规则又已修改，由之后的任务重新统计。\n") % {"campaign": campaign.name}
        return "recount.txt", summary.encode("utf-8")
    total = Ledger.objects.filter(campaign=campaign).count()
    report_progress(1, _("正在统计……"))

    def progress(done: int) -> None:
        report_progress(1 + int(98 * done / total) if total else 99,
                        _("已统计 %(done)s / %(total)s 本台账") % {"done": done, "total": total})

    written = figures_recount_campaign(campaign, progress=progress)
    summary = _("已按新的结果运用规则重新统计“%(campaign)s”%(n)d 本台账的整改到位情况。\n") % {
        "campaign": campaign.name, "n": written}
    return "recount.txt", summary.encode("utf-8")
