"""Dashboards and the scoped, filterable lists behind every figure."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from branches.selectors import scope_for
from ledger.models import ItemStatus, LedgerStatus, ProblemSource
from reviews import selectors
from reviews.views.common import campaign_and_focus, page_of


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The campaigns the viewer follows, each with its dashboard and results."""
    campaigns = selectors.campaigns_for(scope_for(request.user)).select_related("issuer").order_by("-year", "-pk")
    return render(request, "reviews/index.html", {"page": page_of(request, campaigns), "query": ""})


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
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
    # (label, figure, the list's filter) for the tables beside the charts
    breakdowns = {
        "categories": [(f"{c['category__order']}. {c['category__title']}", c["n"], f"category={c['category_id']}")
                       for c in data["by_category"]],
        "weekly": [(row["week"].isoformat(), row["n"], f"closed_week={row['week'].isoformat()}")
                   for row in data["weekly"]],
        "stars": [(f"{n} ★", count, f"stars={n}") for n, count in data["stars"]],
    }
    home = selectors.focus_unit(scope=scope, campaign=campaign)
    return render(request, "reviews/dashboard.html", {
        "campaign": campaign, "focus": focus, "chart": chart, "breakdowns": breakdowns, **data,
        "home": home if home != focus else None,
    })


def _without_common_prefix(names: list[str]) -> list[str]:
    """Chart labels: "经济管理学院教工第一党支部" … → "教工第一党支部" … (the table keeps the full names)."""
    if len(names) < 2:
        return names
    prefix = os.path.commonprefix(names)
    return [name[len(prefix):] or name for name in names]


@login_required
def item_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    filters = selectors.ItemFilters.from_query(request.GET)
    items = selectors.items_filtered(selectors.items_in(scope=scope, campaign=campaign, unit=focus), filters)
    items = items.select_related("ledger__unit", "problem__category").order_by("unit_path", "problem__number", "number")
    query = {"unit": focus.pk, **filters.as_query()}
    return render(request, "reviews/item_list.html", {
        "campaign": campaign, "focus": focus, "filters": filters, "page": page_of(request, items),
        "statuses": [("open", _("未销号")), *ItemStatus.choices], "query": urlencode(query),
        "categories": campaign.template.categories.all(),
    })


@login_required
def problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    category = selectors.int_or_none(request.GET.get("category"))
    source = request.GET.get("source", "") if request.GET.get("source") in ProblemSource.values else ""
    problems = selectors.problems_filtered(selectors.problems_in(scope=scope, campaign=campaign, unit=focus),
                                           category=category, source=source)
    problems = problems.select_related("ledger__unit", "category").order_by("unit_path", "number")
    query = {key: value for key, value in {"unit": focus.pk, "category": category or "", "source": source}.items() if value}
    return render(request, "reviews/problem_list.html", {
        "campaign": campaign, "focus": focus, "page": page_of(request, problems), "category": category,
        "source": source, "sources": ProblemSource.choices, "categories": campaign.template.categories.all(),
        "query": urlencode(query),
    })


@login_required
def ledger_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    state = request.GET.get("state", "")
    ledgers = selectors.ledgers_filtered(selectors.ledgers_in(scope=scope, campaign=campaign, unit=focus), state=state,
                                         campaign=campaign)
    ledgers = ledgers.select_related("unit").order_by("unit_path")
    states = [("handed_in", _("已提交（含已通过）")), *LedgerStatus.choices, ("in_place", _("整改到位"))]
    return render(request, "reviews/ledger_list.html", {
        "campaign": campaign, "focus": focus, "page": page_of(request, ledgers), "state": state, "states": states,
        "query": urlencode({"unit": focus.pk, "state": state} if state else {"unit": focus.pk}),
    })
