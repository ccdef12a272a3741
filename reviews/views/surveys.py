"""The yearly survey (摸底排查): open one, classify units 先进 / 中间 / 后进 with a reason, finalize it, work from
the three tier lists (三类台账) and export them, and give the 后进 units their improvement ledgers."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.selectors import Action, scope_for
from branches.spreadsheets import xlsx_response
from config.errors import error_text
from config.http import found_or_404
from config.lists import keyset_page_of, page_of
from reviews import survey_services as services
from reviews.exports import tier_list_workbook
from reviews.filters import SurveyUnitFilter, TierEntryFilter
from reviews.models import SurveyStatus, Tier, TierSurvey
from reviews.selectors.surveys import (
    SURVEY_UNIT_ORDER,
    survey_counts,
    survey_find,
    survey_issuer_find,
    survey_issuers,
    survey_unit_find,
    survey_units,
    surveys_listed,
    tier_entries,
    tier_parents,
    with_tiers,
)


def _survey(request: HttpRequest, pk: int, *, manage: bool = False) -> TierSurvey:
    survey = found_or_404(survey_find(scope=scope_for(request.user), pk=pk))
    if manage and not scope_for(request.user).can(Action.MANAGE, survey.issuer):
        raise PermissionDenied
    return survey


def _year(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    return render(request, "reviews/survey_list.html", {
        "page": page_of(request, surveys_listed(scope)), "issuers": survey_issuers(scope)})


@login_required
@require_POST
def survey_create(request: HttpRequest) -> HttpResponse:
    issuer_pk = request.POST.get("issuer", "")
    issuer = survey_issuer_find(scope_for(request.user), int(issuer_pk) if issuer_pk.isdigit() else None)
    if issuer is None:
        raise PermissionDenied
    try:
        survey = services.survey_create(actor=request.user, issuer=issuer, year=_year(request.POST.get("year", "")))
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("reviews:survey_list")
    messages.success(request, _("摸底排查已建立，请逐一为下级党组织定级。"))
    return redirect(survey)


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's units page by page, each with its tier and reason; POST classifies one unit."""
    survey = _survey(request, pk, manage=request.method == "POST")
    if request.method == "POST":
        return _classify(request, survey)
    filters = SurveyUnitFilter(request.GET, survey_units(survey), survey=survey)
    page = keyset_page_of(request, filters.qs, SURVEY_UNIT_ORDER)
    with_tiers(survey, page.object_list)
    return render(request, "reviews/survey_detail.html", {
        "survey": survey, "page": page, "filters": filters.values,
        "tiers": Tier.choices, "tier_options": [*Tier.choices, ("none", _("未定级"))],
        "counts": survey_counts(survey), "can_manage": scope_for(request.user).can(Action.MANAGE, survey.issuer),
        "is_draft": survey.status == SurveyStatus.DRAFT,
    })


def _classify(request: HttpRequest, survey: TierSurvey) -> HttpResponse:
    unit_pk = request.POST.get("unit", "")
    unit = survey_unit_find(survey=survey, pk=int(unit_pk)) if unit_pk.isdigit() else None
    if unit is None:
        messages.error(request, _("请选择要定级的党组织。"))
    else:
        try:
            services.survey_classify(actor=request.user, survey=survey, unit=unit,
                                     tier=request.POST.get("tier", ""), reason=request.POST.get("reason", ""))
        except ValidationError as error:
            messages.error(request, _("%(unit)s：%(error)s") % {"unit": unit.name, "error": error_text(error)})
        else:
            messages.success(request, _("已为%(unit)s定级。") % {"unit": unit.name})
    back = request.POST.get("back", "")
    # Back to the same page of the list (only a query string of ours, never another site).
    return redirect(f"{survey.get_absolute_url()}?{back}" if back and "//" not in back else survey.get_absolute_url())


@login_required
@require_POST
def survey_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, manage=True)
    try:
        services.survey_finalize(actor=request.user, survey=survey)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("摸底排查已定稿。"))
    return redirect(survey)


@login_required
@require_POST
def survey_improvement(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk, manage=True)
    try:
        count = services.improvement_ledgers_create(actor=request.user, survey=survey)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已为 %(n)d 个后进党组织建立整顿提升台账。") % {"n": count})
    return redirect(f"{survey.get_absolute_url()}tiers/?tier={Tier.LAGGING}")


def _tier_of(request: HttpRequest) -> str:
    tier = request.GET.get("tier", "")
    return tier if tier in Tier.values else Tier.ADVANCED


@login_required
def survey_tier_list(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the three tier lists (三类台账) the department works from."""
    survey = _survey(request, pk)
    tier = _tier_of(request)
    filters = TierEntryFilter(request.GET, tier_entries(survey, tier))
    return render(request, "reviews/survey_tiers.html", {
        "survey": survey, "tier": tier, "tier_label": Tier(tier).label, "tiers": Tier.choices,
        "counts": survey_counts(survey), "page": page_of(request, filters.qs), "filters": filters.values,
        "parents": tier_parents(survey, tier), "query": request.GET.urlencode(),
        "can_manage": scope_for(request.user).can(Action.MANAGE, survey.issuer),
    })


@login_required
def survey_tier_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The tier list as filtered, as an xlsx (the streaming writer)."""
    survey = _survey(request, pk)
    tier = _tier_of(request)
    entries = TierEntryFilter(request.GET, tier_entries(survey, tier)).qs
    with tempfile.TemporaryDirectory() as folder:
        path = tier_list_workbook(survey=survey, tier=tier, entries=entries, output=Path(folder) / "tiers.xlsx")
        content = path.read_bytes()
    name = _("%(year)d年%(unit)s%(tier)s党组织台账.xlsx") % {
        "year": survey.year, "unit": survey.issuer.name, "tier": Tier(tier).label}
    return xlsx_response(content, name)
