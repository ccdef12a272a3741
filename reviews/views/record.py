"""The unit's record (档案): its campaigns, stars and tiers by year, supervision visits, committee term; for a
unit above, its subtree's tiers by year with a chart and the movements from year to year."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from branches.models import UnitKind
from branches.selectors import scope_for
from config.http import found_or_404
from reviews.models import Tier
from reviews.selectors.record import record_unit_find, subtree_tiers, unit_record


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    unit = found_or_404(record_unit_find(scope=scope, pk=pk))
    context = {"unit": unit, "record": unit_record(unit=unit), "tiers": Tier.choices}
    if unit.kind != UnitKind.BRANCH:
        below = subtree_tiers(scope=scope, unit=unit, page_number=request.GET.get("page"))
        context.update(below=below, page=below.page, chart={
            "years": [str(year) for year in below.years],
            "series": [{"name": str(label), "tier": tier, "data": [below.by_year[year][tier] for year in below.years]}
                       for tier, label in Tier.choices],
            "title": _("各年度先进、中间、后进党组织数"),
        })
    return render(request, "reviews/unit_record.html", context)
