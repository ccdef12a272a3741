"""Supervision, results, ratings and dashboards: thin views over reviews.selectors and reviews.services.

Every object is loaded through the viewer's scope: outside it → 404; inside but not allowed → 403.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import OrgUnit, UnitKind
from branches.selectors import Action, scope_for
from ledger.models import Campaign, ItemStatus, LedgerStatus, ProblemSource, RectificationItem, TemplateCategory
from reviews import selectors, services
from reviews.forms import (
    DelegationForm,
    FindingForm,
    ObjectionForm,
    PolicyForm,
    PublishForm,
    RatingForm,
    ReopenForm,
    ResolutionForm,
    SupervisionForm,
)
from reviews.models import RatingDelegation, RatingObjection, StarRating, Tier

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _campaign_and_focus(request: HttpRequest, pk: int):
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    focus = selectors.focus_unit(scope=scope, campaign=campaign,
                                 unit_pk=selectors._int_or_none(request.GET.get("unit")))
    return scope, campaign, focus


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


# --- dashboards and the lists behind them --------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The campaigns the viewer follows, each with its dashboard and results."""
    campaigns = selectors.campaigns_for(scope_for(request.user)).select_related("issuer").order_by("-year", "-pk")
    return render(request, "reviews/index.html", {"page": _page(request, campaigns), "query": ""})


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = _campaign_and_focus(request, pk)
    data = selectors.dashboard(scope=scope, campaign=campaign, focus=focus)
    names = [row.unit.name for row in data["rows"]]
    chart = {
        "units": _without_common_prefix(names),
        "closed": [row.closed for row in data["rows"]],
        "open": [row.items - row.closed for row in data["rows"]],
        "overdue": [row.overdue for row in data["rows"]],
        "categories": [f"{c['category__order']}. {c['category__title'][:12]}" for c in data["by_category"]],
        "category_counts": [c["n"] for c in data["by_category"]],
        "weeks": [row["week"].isoformat() for row in data["weekly"]],
        "weekly": [row["n"] for row in data["weekly"]],
        "stars": [f"{n}★" for n, _count in data["stars"]],
        "star_counts": [count for _n, count in data["stars"]],
        "labels": {"closed": _("已销号"), "open": _("未销号"), "overdue": _("逾期"), "problems": _("问题数"),
                   "weekly": _("每周销号"), "stars": _("星级分布")},
    }
    home = selectors.focus_unit(scope=scope, campaign=campaign)
    return render(request, "reviews/dashboard.html", {
        "campaign": campaign, "focus": focus, "chart": chart, **data, "home": home if home != focus else None,
    })


def _without_common_prefix(names: list[str]) -> list[str]:
    """Chart labels: "经济管理学院教工第一党支部" … → "教工第一党支部" … (the table keeps the full names)."""
    if len(names) < 2:
        return names
    prefix = os.path.commonprefix(names)
    return [name[len(prefix):] or name for name in names]


@login_required
def item_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = _campaign_and_focus(request, pk)
    filters = selectors.ItemFilters.from_query(request.GET)
    items = selectors.items_filtered(selectors.items_in(scope=scope, campaign=campaign, unit=focus), filters)
    items = items.select_related("ledger__unit", "problem__category").order_by("unit_path", "problem__number", "number")
    query = {"unit": focus.pk, **filters.as_query()}
    return render(request, "reviews/item_list.html", {
        "campaign": campaign, "focus": focus, "filters": filters, "page": _page(request, items),
        "statuses": [("open", _("未销号")), *ItemStatus.choices], "query": urlencode(query),
        "categories": campaign.template.categories.all(),
    })


@login_required
def problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = _campaign_and_focus(request, pk)
    category = selectors._int_or_none(request.GET.get("category"))
    source = request.GET.get("source", "") if request.GET.get("source") in ProblemSource.values else ""
    problems = selectors.problems_filtered(selectors.problems_in(scope=scope, campaign=campaign, unit=focus),
                                           category=category, source=source)
    problems = problems.select_related("ledger__unit", "category").order_by("unit_path", "number")
    query = {key: value for key, value in {"unit": focus.pk, "category": category or "", "source": source}.items() if value}
    return render(request, "reviews/problem_list.html", {
        "campaign": campaign, "focus": focus, "page": _page(request, problems), "category": category,
        "source": source, "sources": ProblemSource.choices, "categories": campaign.template.categories.all(),
        "query": urlencode(query),
    })


@login_required
def ledger_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = _campaign_and_focus(request, pk)
    state = request.GET.get("state", "")
    ledgers = selectors.ledgers_filtered(selectors.ledgers_in(scope=scope, campaign=campaign, unit=focus), state=state)
    ledgers = ledgers.select_related("unit").order_by("unit_path")
    states = [("handed_in", _("已提交（含已通过）")), *LedgerStatus.choices]
    return render(request, "reviews/ledger_list.html", {
        "campaign": campaign, "focus": focus, "page": _page(request, ledgers), "state": state, "states": states,
        "query": urlencode({"unit": focus.pk, "state": state} if state else {"unit": focus.pk}),
    })


# --- results and ratings -------------------------------------------------------------------------------


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Per ledger: rectification in place or not and why, the rating and its tier; the weak-and-lax list."""
    scope, campaign, focus = _campaign_and_focus(request, pk)
    policy = selectors.policy_of(campaign)
    page = _page(request, selectors.ledgers_in(scope=scope, campaign=campaign, unit=focus)
                 .select_related("unit").order_by("unit__code"))
    ledgers = list(page.object_list)
    outcome = selectors.ledger_results(ledger_ids=[ledger.pk for ledger in ledgers], campaign=campaign, policy=policy)
    ratings = {r.unit_id: r for r in StarRating.objects.filter(year=campaign.year, unit_id__in=[x.unit_id for x in ledgers])}
    rating_paths = selectors.rating_paths(scope=scope, user=request.user)
    rows = []
    for ledger in ledgers:
        rating = ratings.get(ledger.unit_id)
        rows.append({"ledger": ledger, "result": outcome[ledger.pk], "rating": rating,
                     "tier": Tier(selectors.tier_for(rating.stars, policy)).label if rating else "",
                     "can_rate": selectors.can_rate(scope=scope, user=request.user, unit=ledger.unit,
                                                    paths=rating_paths)})
    return render(request, "reviews/results.html", {
        "campaign": campaign, "focus": focus, "page": page, "rows": rows, "policy": policy,
        "as_of": selectors.results_as_of(campaign),
        "candidates": selectors.weak_and_lax_candidates(scope=scope, campaign=campaign, unit=focus),
        "can_manage": scope.can(Action.MANAGE, campaign.issuer_path), "query": urlencode({"unit": focus.pk}),
    })


@login_required
def rating_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = _campaign_and_focus(request, pk)
    policy = selectors.policy_of(campaign)
    ratings = selectors.ratings_in(scope=scope, campaign=campaign, unit=focus).select_related("unit")
    stars = selectors._int_or_none(request.GET.get("stars"))
    if stars:
        ratings = ratings.filter(stars=stars)
    tier = request.GET.get("tier", "")
    if tier == Tier.ADVANCED:
        ratings = ratings.filter(stars__gte=policy.advanced_min_stars)
    elif tier == Tier.MIDDLE:
        ratings = ratings.filter(stars__gte=policy.middle_min_stars, stars__lt=policy.advanced_min_stars)
    elif tier == Tier.LAGGING:
        ratings = ratings.filter(stars__lt=policy.middle_min_stars)
    page = _page(request, ratings.order_by("unit_path"))
    for rating in page.object_list:
        rating.tier_label = Tier(selectors.tier_for(rating.stars, policy)).label
    return render(request, "reviews/rating_list.html", {
        "campaign": campaign, "focus": focus, "page": page, "stars": stars, "tier": tier, "tiers": Tier.choices,
        "query": urlencode({k: v for k, v in {"unit": focus.pk, "stars": stars or "", "tier": tier}.items() if v}),
    })


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    if not scope.can(Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied
    policy = selectors.policy_of(campaign)
    form = PolicyForm(request.POST or None, initial={
        "progress_period_days": policy.progress_period_days, "advanced_min_stars": policy.advanced_min_stars,
        "middle_min_stars": policy.middle_min_stars})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_set(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("结果运用规则已保存。"))
            return redirect("reviews:results", pk=campaign.pk)
    return render(request, "reviews/policy_form.html", {
        "campaign": campaign, "form": form, "delegation_form": _delegation_form(scope, campaign),
        "delegations": _delegations(scope, campaign)})


def _delegation_form(scope, campaign, data=None) -> DelegationForm:
    units = scope.filter(OrgUnit.objects.filter(path__startswith=campaign.issuer_path), Action.MANAGE)
    return DelegationForm(data, units=units.exclude(kind=UnitKind.BRANCH).order_by("path"))


def _delegations(scope, campaign):
    delegations = RatingDelegation.objects.filter(is_active=True, unit_path__startswith=campaign.issuer_path)
    return scope.filter(delegations, Action.MANAGE, "unit_path").select_related("unit", "user", "granted_by")


@login_required
@require_POST
def delegation_grant(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    if not scope.can(Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied
    form = _delegation_form(scope, campaign, request.POST)
    if form.is_valid():
        try:
            services.delegation_grant(actor=request.user, unit=form.cleaned_data["unit"],
                                      user=form.cleaned_data["username"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已授权。"))
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("reviews:policy_edit", pk=campaign.pk)


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int, delegation_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    delegation = get_object_or_404(scope.filter(RatingDelegation.objects.all(), Action.VIEW, "unit_path"),
                                   pk=delegation_pk)
    if not scope.can(Action.MANAGE, delegation.unit_path):
        raise PermissionDenied
    services.delegation_revoke(actor=request.user, delegation=delegation)
    messages.success(request, _("已收回授权。"))
    return redirect("reviews:policy_edit", pk=campaign.pk)


@login_required
def rating_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    unit = get_object_or_404(scope.filter(OrgUnit.objects.filter(path__startswith=campaign.issuer_path)), pk=unit_pk)
    if not selectors.can_rate(scope=scope, user=request.user, unit=unit):
        raise PermissionDenied
    result = selectors.unit_result(campaign=campaign, unit=unit)
    rating = StarRating.objects.filter(unit=unit, year=campaign.year).first()
    initial = {"stars": rating.stars, "basis": rating.basis} if rating else {}
    form = RatingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.rating_decide(actor=request.user, campaign=campaign, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("星级已评定。"))
            return redirect(rating)
    return render(request, "reviews/rating_form.html", {
        "campaign": campaign, "unit": unit, "form": form, "result": result, "rating": rating})


def _rating_for(request: HttpRequest, pk: int) -> StarRating:
    ratings = StarRating.objects.select_related("unit", "campaign")
    return get_object_or_404(scope_for(request.user).filter(ratings, Action.VIEW, "unit_path"), pk=pk)


@login_required
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rating = _rating_for(request, pk)
    scope = scope_for(request.user)
    policy = selectors.policy_of(rating.campaign)
    return render(request, "reviews/rating_detail.html", {
        "rating": rating, "tier": Tier(selectors.tier_for(rating.stars, policy)).label,
        "result": selectors.unit_result(campaign=rating.campaign, unit=rating.unit),
        "changes": rating.changes.select_related("actor"), "objections": rating.objections.all(),
        "can_rate": selectors.can_rate(scope=scope, user=request.user, unit=rating.unit),
        "publish_form": PublishForm(), "objection_form": ObjectionForm(), "resolution_form": ResolutionForm(),
    })


def _rating_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    rating = _rating_for(request, pk)
    if not selectors.can_rate(scope=scope_for(request.user), user=request.user, unit=rating.unit):
        raise PermissionDenied
    try:
        message = action(rating)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, message)
    return redirect(rating)


def _form_or_error(form_class, data):
    form = form_class(data)
    if not form.is_valid():
        raise ValidationError(_("请完整填写表单：%(fields)s") % {
            "fields": "、".join(str(form.fields[name].label) for name in form.errors if name in form.fields)})
    return form.cleaned_data


@login_required
@require_POST
def rating_publish(request: HttpRequest, pk: int) -> HttpResponse:
    def publish(rating):
        services.rating_publish(actor=request.user, rating=rating, **_form_or_error(PublishForm, request.POST))
        return _("已公示。")
    return _rating_action(request, pk, publish)


@login_required
@require_POST
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    def record(rating):
        services.objection_record(actor=request.user, rating=rating, **_form_or_error(ObjectionForm, request.POST))
        return _("异议已登记。")
    return _rating_action(request, pk, record)


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(RatingObjection, pk=pk)
    def resolve(rating):
        services.objection_resolve(actor=request.user, objection=objection,
                                   **_form_or_error(ResolutionForm, request.POST))
        return _("异议已处理。")
    return _rating_action(request, objection.rating_id, resolve)


@login_required
@require_POST
def rating_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    def finalise(rating):
        services.rating_finalise(actor=request.user, rating=rating)
        return _("星级已确定。")
    return _rating_action(request, pk, finalise)


# --- supervision ---------------------------------------------------------------------------------------


@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    records = selectors.supervision_records_for(scope).select_related("author_unit", "campaign")
    kind = request.GET.get("kind", "")
    if kind:
        records = records.filter(kind=kind)
    return render(request, "reviews/supervision_list.html", {
        "page": _page(request, records), "kind": kind, "can_create": bool(selectors.supervising_units(scope)),
        "kinds": records.model._meta.get_field("kind").choices,
    })


def _visitable_units(scope):
    return scope.filter(OrgUnit.objects.filter(is_active=True), Action.SUPERVISE).order_by("path")


@login_required
def supervision_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    author_units = selectors.supervising_units(scope)
    if not author_units:
        raise PermissionDenied
    campaigns = Campaign.objects.filter(
        Q(issuer_path__in=[u.path for u in author_units])
        | Q(issuer_path__in=[path for u in author_units for path in _ancestor_paths(u.path)])
    ).exclude(status="draft")
    form = SupervisionForm(request.POST or None, author_units=OrgUnit.objects.filter(pk__in=[u.pk for u in author_units]),
                           campaigns=campaigns, visitable=_visitable_units(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.supervision_create(actor=request.user, author_unit=data["author_unit"], kind=data["kind"],
                                                 date=data["date"], participants=data["participants"],
                                                 visited_units=list(data["visited_units"]), findings=data["findings"],
                                                 campaign=data["campaign"])
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("督查记录已保存。"))
            return redirect(record)
    return render(request, "reviews/supervision_form.html", {"form": form})


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:n]) + "/" for n in range(1, len(parts))]


def _record_for(request: HttpRequest, pk: int):
    scope = scope_for(request.user)
    records = selectors.supervision_records_for(scope).select_related("author_unit", "campaign")
    record = records.filter(pk=pk).first()
    if record is None:
        raise Http404
    return scope, record


def _supervised_visits(scope, record):
    return [visit for visit in record.visits.select_related("unit") if scope.can(Action.SUPERVISE, visit.unit_path)]


def _finding_form(record, visits, data=None):
    units = OrgUnit.objects.filter(pk__in=[visit.unit_id for visit in visits])
    campaigns = Campaign.objects.filter(ledgers__unit__in=units).distinct()
    if record.campaign_id:
        campaigns = campaigns.filter(pk=record.campaign_id)
    categories = TemplateCategory.objects.filter(template__campaigns__in=campaigns).distinct().select_related("template")
    return FindingForm(data, units=units, campaigns=campaigns, categories=categories,
                       initial={"campaign": record.campaign_id})


def _reopen_form(visits, data=None):
    items = RectificationItem.objects.filter(status=ItemStatus.CLOSED, unit_path__in=[v.unit_path for v in visits])
    return ReopenForm(data, items=items.select_related("ledger__unit", "problem").order_by("unit_path", "pk")[:300])


@login_required
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope, record = _record_for(request, pk)
    visits = _supervised_visits(scope, record)
    return _render_record(request, record, visits, _finding_form(record, visits), _reopen_form(visits))


def _render_record(request, record, visits, finding_form, reopen_form, status=200):
    return render(request, "reviews/supervision_detail.html", {
        "record": record, "visits": record.visits.select_related("unit"), "can_act": bool(visits),
        "findings": record.opened_findings.select_related("problem__ledger__unit", "problem__category"),
        "reopenings": record.reopenings.select_related("item__ledger__unit", "actor"),
        "finding_form": finding_form, "reopen_form": reopen_form,
        "is_look_back": record.kind == "look_back",
    }, status=status)


def _require_supervisor(request, pk):
    scope, record = _record_for(request, pk)
    visits = _supervised_visits(scope, record)
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
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("已在“%(unit)s”的台账中新增问题 %(number)s。") % {
                "unit": form.cleaned_data["unit"], "number": problem.number})
            return redirect(record)
    return _render_record(request, record, visits, form, _reopen_form(visits), status=400)


@login_required
@require_POST
def item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    record, visits = _require_supervisor(request, pk)
    form = _reopen_form(visits, request.POST)
    if form.is_valid():
        try:
            services.item_reopen(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("该措施已重新打开，党支部将收到通知。"))
            return redirect(record)
    return _render_record(request, record, visits, _finding_form(record, visits), form, status=400)
