"""Pages of the periodic progress reports (定期报告): the campaign's report cycle, a ledger's reports, one report
(write, submit, review) and the who-reported table. Thin: a scoped selector finds, one service writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from config.lists import Total, keyset_page_of
from ledger.filters import WhoReportedFilter
from ledger.forms import PeriodicReportForm, PeriodicReviewForm, ReportCycleForm
from ledger.models import ReportFrequency
from ledger.selectors import periodic as sel
from ledger.selectors.workflow import campaign_find, ledger_find
from ledger.services import periodic as services

ROWS_PER_PAGE = 50


def _run(request: HttpRequest, call, success: str) -> bool:
    """Call a service; show its refusal as a message. PermissionDenied is left to become a 403."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


@login_required
def report_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's report cycle: everyone it reaches reads it; the issuer's organization department sets it."""
    campaign = found_or_404(campaign_find(request.user, pk))
    can_manage = scope_for(request.user).can(Action.MANAGE, campaign.issuer_path)
    cycle = sel.cycle_of(campaign)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("只有发文单位的组织部可以设置定期报告。"))
        form = ReportCycleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            call = lambda: services.report_cycle_set(  # noqa: E731
                actor=request.user, campaign=campaign, frequency=data["frequency"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], due_dates=data["due_dates"], remind_days_before=data["remind_days_before"],
                version=data["version"])
            if _run(request, call, _("定期报告安排已保存。")):
                return redirect("ledger:report_cycle", pk=campaign.pk)
    elif cycle is not None:
        form = ReportCycleForm(initial={
            "frequency": cycle.frequency, "starts_on": cycle.starts_on, "ends_on": cycle.ends_on,
            "remind_days_before": cycle.remind_days_before, "version": cycle.version,
            "due_dates": "\n".join(p.due_on.isoformat() for p in sel.periods_of(campaign))
            if cycle.frequency == ReportFrequency.CUSTOM else "",
        })
    else:
        form = ReportCycleForm(initial={"frequency": ReportFrequency.QUARTERLY, "remind_days_before": 3})
    return render(request, "ledger/periodic/cycle.html", {
        "campaign": campaign, "cycle": cycle, "periods": sel.periods_of(campaign), "form": form,
        "can_manage": can_manage and campaign.status != "closed",
    })


@login_required
def periodic_report_list(request: HttpRequest, pk: int) -> HttpResponse:
    """One ledger's reports, period by period."""
    ledger = found_or_404(ledger_find(request.user, pk))
    return render(request, "ledger/periodic/ledger_reports.html", {
        "ledger": ledger, "rows": sel.ledger_periodic_rows(ledger),
    })


@login_required
def periodic_report(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    """One period's report: the branch writes and submits it here; the unit above reads and reviews it."""
    ledger, period = found_or_404(sel.periodic_report_find(request.user, pk, period_pk))
    form = None
    if request.method == "POST":
        if not scope_for(request.user).can(Action.FILL, ledger.unit_path):
            raise PermissionDenied(_("只有本单位的账号可以填写本单位的定期报告。"))
        form = PeriodicReportForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        text, version = data.get("work_done", ""), data.get("version")
        if request.POST.get("action") == "submit":
            call = lambda: services.periodic_report_submit(  # noqa: E731
                actor=request.user, ledger=ledger, period=period, work_done=text, version=version)
            success = _("本期报告已报送，等待上级审核。")
        else:
            call = lambda: services.periodic_report_save(  # noqa: E731
                actor=request.user, ledger=ledger, period=period, work_done=text, version=version)
            success = _("草稿已保存。")
        if _run(request, call, success):
            return redirect("ledger:periodic_report", pk=ledger.pk, period_pk=period.pk)
    page = sel.report_page(request.user, ledger, period)
    if form is None:
        report = page.report
        form = PeriodicReportForm(initial={"work_done": report.work_done if report else "",
                                           "version": report.version if report else None})
    return render(request, "ledger/periodic/report.html", {
        "page": page, "ledger": ledger, "period": period, "form": form,
        "review_form": PeriodicReviewForm(initial={"version": page.report.version if page.report else None}),
        "is_open": period.is_open(timezone.localdate()),
    })


@login_required
@require_POST
def periodic_report_review(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    """Accept the report, or return it with a reason (the unit above)."""
    ledger, period = found_or_404(sel.periodic_report_find(request.user, pk, period_pk))
    form = PeriodicReviewForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    reason, version = data.get("reason", ""), data.get("version")
    if data.get("decision") == "return":
        call = lambda: services.periodic_report_return(  # noqa: E731
            actor=request.user, ledger=ledger, period=period, reason=reason, version=version)
        success = _("定期报告已退回，支部修改后可重新报送。")
    else:
        call = lambda: services.periodic_report_accept(  # noqa: E731
            actor=request.user, ledger=ledger, period=period, comment=reason, version=version)
        success = _("定期报告已审核通过。")
    _run(request, call, success)
    return redirect("ledger:periodic_report", pk=ledger.pk, period_pk=period.pk)


@login_required
def who_reported(request: HttpRequest, pk: int) -> HttpResponse:
    """Units of the viewer's subtree × periods: who reported, with counts per period and a chart."""
    campaign = found_or_404(campaign_find(request.user, pk))
    periods = sel.periods_of(campaign)
    current = sel.current_period(periods, timezone.localdate())
    filters = WhoReportedFilter(request.GET, sel.who_reported_ledgers(request.user, campaign),
                                period_ids=[p.pk for p in periods], default_period=current.pk if current else None)
    counts = sel.period_counts(request.user, campaign, periods)
    # Without a state the rows are every ledger the viewer sees: the periods' total, counted once already.
    total = Total(n=counts[0].total) if counts and not filters.values["state"] else None
    page = keyset_page_of(request, filters.qs, sel.WHO_REPORTED_ORDER, per_page=ROWS_PER_PAGE, total=total)
    chart = {
        "periods": [str(c.period.label) for c in counts if c.opened],
        "series": [{"state": state, "name": str(label), "data": [c.counts[state] for c in counts if c.opened]}
                   for state, label in sel.CELL_STATES],
    }
    return render(request, "ledger/periodic/who_reported.html", {
        "campaign": campaign, "periods": periods, "page": page, "counts": counts, "chart": chart,
        "rows": sel.who_reported_cells(list(page.object_list), periods),
        "states": sel.CELL_STATES, "state": filters.values["state"] or "", "period_id": filters.chosen_period,
    })
