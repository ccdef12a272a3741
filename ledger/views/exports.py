"""附件2 downloads: a ledger's own list at once; a general branch's, a committee's or a campaign's as a job."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.selectors import Action, scope_for
from branches.spreadsheets import xlsx_response
from config.http import found_or_404
from jobs.services import job_create
from ledger import wording
from ledger.exports import ExportSelection, build_workbook_bytes, export_file_name
from ledger.jobs import LEDGER_EXPORT, LEDGER_EXPORT_ZIP
from ledger.models import Campaign, TargetKind
from ledger.selectors.exports import (
    export_branch_ledgers_below,
    export_campaign,
    export_campaigns,
    export_focus_find,
    export_ledgers,
    export_one_ledger,
    export_own_ledgers,
    export_row_count,
    export_unit,
    export_units,
)
from ledger.selectors.workflow import ledger_find
from ledger.zip_exports import level_choices, zip_choices

UNIT_LIST_LIMIT = 300


def _visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    """A campaign the user sees: one with at least one ledger in their scope (else 404)."""
    return found_or_404(export_campaign(scope=scope_for(request.user), pk=pk))


@login_required
def export_index(request: HttpRequest) -> HttpResponse:
    """Campaigns the user has ledgers in, with their export choices; the import entries."""
    scope = scope_for(request.user)
    return render(request, "ledger/exports/index.html", {
        "campaigns": export_campaigns(scope=scope),
        "can_import_tree": any(scope.can(Action.MANAGE, path) for path in scope.units),
    })


@login_required
@require_GET
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The export choices for one campaign: own ledgers at once, larger scopes as background jobs; one level
    of units at a time (`?unit=`: the level under that unit)."""
    campaign = _visible_campaign(request, pk)
    scope = scope_for(request.user)
    focus = None
    unit_pk = request.GET.get("unit", "")
    if unit_pk:
        if not unit_pk.isdigit():
            raise Http404
        focus = found_or_404(export_focus_find(scope=scope, pk=int(unit_pk)))
    below = [
        (ledger, scope.can(Action.SUPERVISE, ledger.unit_path))
        for ledger in export_branch_ledgers_below(scope=scope, campaign=campaign, focus=focus, limit=UNIT_LIST_LIMIT)
    ]
    return render(request, "ledger/exports/campaign.html", {
        "campaign": campaign, "own_ledgers": export_own_ledgers(scope=scope, campaign=campaign),
        "units": export_units(scope=scope, campaign=campaign, focus=focus), "below": below, "focus": focus,
        "list_limit": UNIT_LIST_LIMIT,
        "can_export_all": scope.can(Action.VIEW, campaign.issuer),
        # The notice's 附件2 for a Weifang campaign, 台账 for a county's; branch ledgers (listed at once) only
        # where the campaign's ledgers are the branches'.
        "export_word": wording.export_word(campaign), "of_branches": campaign.target_kind == TargetKind.BRANCHES,
        "zip_levels": level_choices(*zip_choices(scope=scope, campaign=campaign)),
        "zip_rows": settings.EXPORT_ZIP_UNIT_ROWS,
    })


@login_required
@require_GET
def ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One ledger's 附件2, written during the request (a branch's list is small)."""
    ledger = found_or_404(ledger_find(request.user, pk))
    selection = ExportSelection(campaign=ledger.campaign, unit=ledger.unit,
                                ledgers=export_one_ledger(scope=scope_for(request.user), ledger=ledger))
    return xlsx_response(build_workbook_bytes(selection), export_file_name(selection))


@login_required
@require_POST
def export_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the export of a unit's subtree (or, without a unit, the whole campaign) and show its progress."""
    campaign = _visible_campaign(request, pk)
    scope = scope_for(request.user)
    unit_pk = request.POST.get("unit") or ""
    if unit_pk:
        if not unit_pk.isdigit():
            raise Http404
        unit = found_or_404(export_unit(scope=scope, pk=int(unit_pk)))
    else:
        if not scope.can(Action.VIEW, campaign.issuer):
            raise Http404
        unit = None
    rows = export_row_count(export_ledgers(scope=scope, campaign=campaign, unit=unit))
    if rows > settings.EXPORT_MAX_ROWS:
        # A province's whole campaign is a million rows in 23,000 sheets: minutes of work, no usable workbook.
        messages.error(request, _("这次导出有%(rows)s行，超过一次导出的上限%(limit)s行。请选择下级单位分别导出。"
                                  "要一次取得全部台账，请生成按单位分文件的压缩包。") % {
            "rows": rows, "limit": settings.EXPORT_MAX_ROWS})
        return redirect("ledger:campaign_export", pk=campaign.pk)
    title = _("导出%(word)s：%(campaign)s · %(unit)s") % {
        "word": wording.export_word(campaign), "campaign": campaign.name, "unit": unit.name if unit else _("全部")}
    job = job_create(owner=request.user, kind=LEDGER_EXPORT, title=title[:200],
                     params={"campaign": campaign.pk, "unit": unit.pk if unit else None})
    return redirect("jobs:job_detail", pk=job.pk)


@login_required
@require_POST
def export_zip_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the ZIP of everything the viewer sees of the campaign, one workbook per unit at the chosen level
    (none chosen: the default). No row limit: the workbooks are written one at a time, in flat memory."""
    campaign = _visible_campaign(request, pk)
    roots, levels = zip_choices(scope=scope_for(request.user), campaign=campaign)
    chosen = request.POST.get("level", "")
    if chosen and not (chosen.isdigit() and int(chosen) in dict(levels)):
        messages.error(request, _("请从列出的层级中选择按哪一级单位分文件。"))
        return redirect("ledger:campaign_export", pk=campaign.pk)
    words = dict(level_choices(roots, levels)).get(int(chosen), "") if chosen else _("自动")
    title = _("导出压缩包：%(campaign)s · %(level)s") % {"campaign": campaign.name, "level": words}
    job = job_create(owner=request.user, kind=LEDGER_EXPORT_ZIP, title=title[:200],
                     params={"campaign": campaign.pk, "level": int(chosen) if chosen else None})
    return redirect("jobs:job_detail", pk=job.pk)
