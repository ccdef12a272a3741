"""三单一账 pages and downloads: the problem, task and responsibility lists of one ledger (written at once) or of
a unit's subtree of a campaign (pages here, the workbook as a background job)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.models import OrgUnit
from branches.selectors import Action, Scope, scope_for
from branches.spreadsheets import xlsx_response
from config.http import found_or_404
from config.lists import keyset_page_of, page_of
from jobs.services import job_create
from ledger.exports import ExportSelection
from ledger.jobs import LISTS_EXPORT
from ledger.lists import (
    KINDS,
    ListKind,
    build_lists_bytes,
    lists_file_name,
    numbered_rows,
    selection_name,
    unnumbered_rows,
)
from ledger.models import Campaign
from ledger.selectors.exports import export_campaign, export_ledgers, export_one_ledger, export_row_count, export_unit
from ledger.selectors.lists import tallied_total
from ledger.selectors.workflow import ledger_find


def _kind(slug: str) -> ListKind:
    return found_or_404(KINDS.get(slug))


def _render(request: HttpRequest, kind: ListKind, selection: ExportSelection, page, headers: list[str],
            rows: list[list], context: dict) -> HttpResponse:
    return render(request, "ledger/lists/page.html", {
        **context, "kind": kind, "kinds": KINDS.values(), "campaign": selection.campaign,
        "scope_name": selection_name(selection), "headers": headers, "page": page,
        "rows": rows,  # cells under `headers`, written by {% list_rows %}
    })


@login_required
@require_GET
def ledger_list_page(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One of a ledger's three lists."""
    ledger = found_or_404(ledger_find(request.user, pk))
    list_kind = _kind(kind)
    selection = ExportSelection(campaign=ledger.campaign, unit=ledger.unit,
                                ledgers=export_one_ledger(scope=scope_for(request.user), ledger=ledger))
    page = page_of(request, list_kind.rows(selection.ledgers))  # one ledger's rows: a few pages at most
    rows = list(numbered_rows(list_kind, ledger.campaign, page.object_list, start=page.start_index() or 1))
    return _render(request, list_kind, selection, page, list_kind.headers(), rows, {"ledger": ledger})


@login_required
@require_GET
def ledger_lists_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A ledger's 三单一账 workbook, written during the request (one unit's lists are small)."""
    ledger = found_or_404(ledger_find(request.user, pk))
    selection = ExportSelection(campaign=ledger.campaign, unit=ledger.unit,
                                ledgers=export_one_ledger(scope=scope_for(request.user), ledger=ledger))
    return xlsx_response(build_lists_bytes(selection), lists_file_name(selection))


def _subtree(scope: Scope, campaign: Campaign, unit_pk: str) -> OrgUnit | None:
    """The unit whose subtree is listed (404 outside the scope), or None for the whole campaign, which needs
    VIEW on its issuer (else 404, as the export's)."""
    if unit_pk:
        if not unit_pk.isdigit():
            raise Http404
        return found_or_404(export_unit(scope=scope, pk=int(unit_pk)))
    if not scope.can(Action.VIEW, campaign.issuer):
        raise Http404
    return None


@login_required
@require_GET
def campaign_list_page(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One of the three lists of a unit's subtree (`?unit=`) or of the whole campaign, by keyset in tree order
    (a province's million measures): the total from the subtree's tally when it has one, else counted up to a
    bound; no 序号 (a page after a cursor does not know its position)."""
    scope = scope_for(request.user)
    campaign = found_or_404(export_campaign(scope=scope, pk=pk))
    list_kind = _kind(kind)
    unit = _subtree(scope, campaign, request.GET.get("unit") or "")
    selection = ExportSelection(campaign=campaign, unit=unit,
                                ledgers=export_ledgers(scope=scope, campaign=campaign, unit=unit))
    total = tallied_total(campaign=campaign, unit=unit, figure=list_kind.tallied)
    page = keyset_page_of(request, list_kind.subtree(scope=scope, campaign=campaign, unit=unit), list_kind.order,
                          total=total)
    rows = unnumbered_rows(list_kind, campaign, list_kind.page_rows(page.object_list))
    return _render(request, list_kind, selection, page, list_kind.headers()[1:], rows, {"unit": unit})


@login_required
@require_POST
def campaign_lists_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the 三单一账 workbook of a unit's subtree (or the whole campaign) and show its progress."""
    scope = scope_for(request.user)
    campaign = found_or_404(export_campaign(scope=scope, pk=pk))
    unit = _subtree(scope, campaign, request.POST.get("unit") or "")
    rows = export_row_count(export_ledgers(scope=scope, campaign=campaign, unit=unit))
    if rows > settings.EXPORT_MAX_ROWS:
        messages.error(request, _("这次导出有%(rows)s行，超过一次导出的上限%(limit)s行。请选择下级单位分别导出。") % {
            "rows": rows, "limit": settings.EXPORT_MAX_ROWS})
        return redirect("ledger:campaign_export", pk=campaign.pk)
    title = _("导出三单一账：%(campaign)s · %(unit)s") % {
        "campaign": campaign.name, "unit": unit.name if unit else _("全部")}
    job = job_create(owner=request.user, kind=LISTS_EXPORT, title=title[:200],
                     params={"campaign": campaign.pk, "unit": unit.pk if unit else None})
    return redirect("jobs:job_detail", pk=job.pk)
