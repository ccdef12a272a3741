"""Supervision records (督查): list, create, detail; a finding opens a problem; a look-back check reopens an item."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import scope_for
from config.errors import error_text
from config.http import found_or_404
from config.lists import page_of
from reviews import services
from reviews.filters import SupervisionFilter
from reviews.forms import (
    FindingForm,
    ReopenForm,
    SupervisionForm,
)
from reviews.models import SupervisionKind
from reviews.selectors.supervision import (
    REOPEN_LIST_SIZE,
    VISITABLE,
    finding_choices,
    record_visits,
    reopen_list,
    reopenable_items,
    supervisable_campaigns,
    supervised_visits,
    supervising_units,
    supervising_units_listed,
    supervision_record_details,
    supervision_record_find,
    supervision_records_listed,
)


@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    filters = SupervisionFilter(request.GET, supervision_records_listed(scope))
    return render(request, "reviews/supervision_list.html", {
        "page": page_of(request, filters.qs), "filters": filters.values,
        "can_create": bool(supervising_units(scope)), "kinds": SupervisionKind.choices,
    })


@login_required
def supervision_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    author_units = supervising_units(scope)
    if not author_units:
        raise PermissionDenied
    campaigns = supervisable_campaigns(scope)
    form = SupervisionForm(request.POST or None, author_units=supervising_units_listed(scope),
                           campaigns=campaigns, scope=scope, visitable=VISITABLE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.supervision_create(actor=request.user, author_unit=data["author_unit"], kind=data["kind"],
                                                 date=data["date"], participants=data["participants"],
                                                 visited_units=list(data["visited_units"]), findings=data["findings"],
                                                 campaign=data["campaign"])
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("督查记录已保存。"))
            return redirect(record)
    return render(request, "reviews/supervision_form.html", {"form": form})


def _record_for(request: HttpRequest, pk: int):
    scope = scope_for(request.user)
    return scope, found_or_404(supervision_record_find(scope=scope, pk=pk))


def _finding_form(record, visits, data=None):
    choices = finding_choices(record=record, visits=visits)
    return FindingForm(data, units=choices.units, campaigns=choices.campaigns, categories=choices.categories,
                       initial={"campaign": record.campaign_id})


def _reopen_form(visits, query: str = "", data=None) -> ReopenForm:
    """The form validates against every reopenable item; it lists one bounded page of the search's matches
    (plus the item just chosen, so a refused post does not lose the choice)."""
    shown, more = reopen_list(visits=visits, query=query, chosen=(data or {}).get("item", ""))
    form = ReopenForm(data, items=reopenable_items(visits), shown=shown, initial={"q": query})
    form.search = {"query": query, "count": len(shown), "more": more, "limit": REOPEN_LIST_SIZE}
    return form


def _shown_reopen_form(record, visits, query: str = "") -> ReopenForm | None:
    """Only a look-back's page shows the reopen form: other records do not search the closed items for it."""
    return _reopen_form(visits, query) if record.kind == SupervisionKind.LOOK_BACK else None


@login_required
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope, record = _record_for(request, pk)
    every_visit = record_visits(record)
    visits = supervised_visits(scope=scope, record=record, visits=every_visit)
    reopen_form = _shown_reopen_form(record, visits, request.GET.get("q", "").strip())
    return _render_record(request, record, visits, _finding_form(record, visits), reopen_form,
                          every_visit=every_visit)


def _render_record(request, record, visits, finding_form, reopen_form, status=200, every_visit=None):
    return render(request, "reviews/supervision_detail.html", {
        "record": record, **supervision_record_details(record, visits=every_visit), "can_act": bool(visits),
        "finding_form": finding_form, "reopen_form": reopen_form,
        "is_look_back": record.kind == SupervisionKind.LOOK_BACK,
    }, status=status)


def _require_supervisor(request, pk):
    scope, record = _record_for(request, pk)
    visits = supervised_visits(scope=scope, record=record)
    if not visits:
        raise PermissionDenied
    return record, visits


@login_required
@require_POST
def finding_open_problem(request: HttpRequest, pk: int) -> HttpResponse:
    record, visits = _require_supervisor(request, pk)
    form = _finding_form(record, visits, request.POST)
    if form.is_valid():
        try:
            problem = services.supervision_open_problem(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("已在“%(unit)s”的台账中新增问题 %(number)s。") % {
                "unit": form.cleaned_data["unit"], "number": problem.number})
            return redirect(record)
    return _render_record(request, record, visits, form, _shown_reopen_form(record, visits), status=400)


@login_required
@require_POST
def item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    record, visits = _require_supervisor(request, pk)
    form = _reopen_form(visits, request.POST.get("q", "").strip(), request.POST)
    if form.is_valid():
        try:
            services.item_reopen(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("该措施已重新打开，党支部将收到通知。"))
            return redirect(record)
    return _render_record(request, record, visits, _finding_form(record, visits), form, status=400)
