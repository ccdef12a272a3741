"""Results (结果运用), the result policy, rating delegations and star ratings (评星定级) with their notice period."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import Action, scope_for
from config.errors import error_text
from config.http import found_or_404
from config.lists import keyset_page_of, page_of
from reviews import services
from reviews.filters import STAR_CHOICES, RatingFilter
from reviews.forms import (
    DelegationForm,
    ObjectionForm,
    PolicyForm,
    PublishForm,
    RatingForm,
    ResolutionForm,
)
from reviews.models import StarRating, Tier
from reviews.selectors.focus import campaign_find
from reviews.selectors.ratings import (
    can_rate,
    delegable,
    delegation_find,
    delegations_active,
    objection_find,
    rated_unit_find,
    rating_changes,
    rating_find,
    rating_of,
    rating_paths,
    ratings_by_unit,
    ratings_listed,
    result_ledgers,
    weak_and_lax_candidates,
)
from reviews.selectors.results import (
    figures_recount_pending,
    policy_of,
    results_as_of,
    results_reader,
    tier_for,
    unit_result,
)
from reviews.selectors.sets import LEDGER_ORDER, tallied_ledgers_total
from reviews.views.common import campaign_and_focus


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Per ledger: rectification in place or not and why, the rating and its tier; the weak-and-lax list."""
    scope, campaign, focus = campaign_and_focus(request, pk)
    policy = policy_of(campaign)
    total = tallied_ledgers_total(campaign=campaign, unit=focus, filters={})
    page = keyset_page_of(request, result_ledgers(scope=scope, campaign=campaign, unit=focus), LEDGER_ORDER,
                          total=total)
    ledgers = list(page.object_list)
    # While the stored verdicts are being counted again under a new rule, the page's rows are counted live.
    recount = figures_recount_pending(policy)
    outcome = results_reader(policy)(
        ledger_ids=[ledger.pk for ledger in ledgers], campaign=campaign, policy=policy)
    ratings = ratings_by_unit(year=campaign.year, unit_ids=[ledger.unit_id for ledger in ledgers])
    paths = rating_paths(scope=scope, user=request.user)
    rows = []
    for ledger in ledgers:
        rating = ratings.get(ledger.unit_id)
        rows.append({"ledger": ledger, "result": outcome[ledger.pk], "rating": rating,
                     "tier": Tier(tier_for(rating.stars, policy)).label if rating else "",
                     "can_rate": can_rate(scope=scope, user=request.user, unit=ledger.unit, paths=paths)})
    return render(request, "reviews/results.html", {
        "campaign": campaign, "focus": focus, "page": page, "rows": rows, "policy": policy,
        "as_of": results_as_of(campaign), "recount": recount,
        "candidates": weak_and_lax_candidates(scope=scope, campaign=campaign, unit=focus),
        "can_manage": scope.can(Action.MANAGE, campaign.issuer_path),
    })


@login_required
def rating_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    policy = policy_of(campaign)
    filters = RatingFilter(request.GET, ratings_listed(scope=scope, campaign=campaign, unit=focus),
                           policy=policy)
    page = page_of(request, filters.qs)
    for rating in page.object_list:
        rating.tier_label = Tier(tier_for(rating.stars, policy)).label
    return render(request, "reviews/rating_list.html", {
        "campaign": campaign, "focus": focus, "page": page, "filters": filters.values, "tiers": Tier.choices,
        "stars": STAR_CHOICES,
    })


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = found_or_404(campaign_find(scope=scope, pk=pk))
    if not scope.can(Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied
    form = _policy_form(campaign, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_set(actor=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("结果运用规则已保存，各台账的整改到位情况正在后台按新规则重新统计。")
                             if policy.recount_job_id else _("结果运用规则已保存。"))
            return redirect("reviews:results", pk=campaign.pk)
    return _render_policy(request, scope, campaign, form, _delegation_form(scope, campaign))


def _policy_form(campaign, data=None) -> PolicyForm:
    policy = policy_of(campaign)
    return PolicyForm(data, initial={
        "progress_period_days": policy.progress_period_days, "advanced_min_stars": policy.advanced_min_stars,
        "middle_min_stars": policy.middle_min_stars})


def _render_policy(request, scope, campaign, form, delegation_form) -> HttpResponse:
    return render(request, "reviews/policy_form.html", {
        "campaign": campaign, "form": form, "delegation_form": delegation_form,
        "delegations": delegations_active(scope=scope, campaign=campaign)})


def _delegation_form(scope, campaign, data=None) -> DelegationForm:
    return DelegationForm(data, scope=scope, units=delegable(campaign))


@login_required
@require_POST
def delegation_grant(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = found_or_404(campaign_find(scope=scope, pk=pk))
    if not scope.can(Action.MANAGE, campaign.issuer_path):
        raise PermissionDenied
    form = _delegation_form(scope, campaign, request.POST)
    if form.picking:  # the picker's search without a script: the page again with the matches, nothing saved
        return _render_policy(request, scope, campaign, _policy_form(campaign), form)
    if form.is_valid():
        try:
            services.delegation_grant(actor=request.user, unit=form.cleaned_data["unit"],
                                      user=form.cleaned_data["username"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("已授权。"))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("reviews:policy_edit", pk=campaign.pk)


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int, delegation_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = found_or_404(campaign_find(scope=scope, pk=pk))
    delegation = found_or_404(delegation_find(scope=scope, pk=delegation_pk))
    if not scope.can(Action.MANAGE, delegation.unit_path):
        raise PermissionDenied
    services.delegation_revoke(actor=request.user, delegation=delegation)
    messages.success(request, _("已收回授权。"))
    return redirect("reviews:policy_edit", pk=campaign.pk)


@login_required
def rating_edit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    campaign = found_or_404(campaign_find(scope=scope, pk=pk))
    unit = found_or_404(rated_unit_find(scope=scope, campaign=campaign, pk=unit_pk))
    if not can_rate(scope=scope, user=request.user, unit=unit):
        raise PermissionDenied
    result = unit_result(campaign=campaign, unit=unit, stored=True)
    rating = rating_of(unit=unit, year=campaign.year)
    initial = {"stars": rating.stars, "basis": rating.basis} if rating else {}
    form = RatingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rating = services.rating_decide(actor=request.user, campaign=campaign, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("星级已评定。"))
            return redirect(rating)
    return render(request, "reviews/rating_form.html", {
        "campaign": campaign, "unit": unit, "form": form, "result": result, "rating": rating})


def _rating_for(request: HttpRequest, pk: int) -> StarRating:
    return found_or_404(rating_find(scope=scope_for(request.user), pk=pk))


@login_required
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rating = _rating_for(request, pk)
    scope = scope_for(request.user)
    policy = policy_of(rating.campaign)
    return render(request, "reviews/rating_detail.html", {
        "rating": rating, "tier": Tier(tier_for(rating.stars, policy)).label,
        "result": unit_result(campaign=rating.campaign, unit=rating.unit, stored=True),
        "changes": rating_changes(rating), "objections": rating.objections.all(),
        "can_rate": can_rate(scope=scope, user=request.user, unit=rating.unit),
        "publish_form": PublishForm(), "objection_form": ObjectionForm(), "resolution_form": ResolutionForm(),
    })


def _rating_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    rating = _rating_for(request, pk)
    if not can_rate(scope=scope_for(request.user), user=request.user, unit=rating.unit):
        raise PermissionDenied
    try:
        message = action(rating)
    except ValidationError as error:
        messages.error(request, error_text(error))
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
    objection = found_or_404(objection_find(pk))
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
