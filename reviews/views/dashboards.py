"""Dashboards and the scoped, filterable lists behind every figure."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from branches.selectors import scope_for
from config.lists import keyset_page_of, page_of
from ledger.models import ProblemNature, ProblemSource, RecurrenceState
from reviews.filters import (
    ITEM_STATUSES,
    LEDGER_STATES,
    ItemFilter,
    LedgerFilter,
    ProblemFilter,
    category_choices,
    phase_choices,
)
from reviews.selectors.dashboards import dashboard as dashboard_figures
from reviews.selectors.focus import campaigns_listed, focus_unit
from reviews.selectors.results import figures_recount_pending, policy_of
from reviews.selectors.sets import (
    ITEM_ORDER,
    LEDGER_ORDER,
    PROBLEM_ORDER,
    items_listed,
    ledgers_listed,
    problems_listed,
    tallied_items_total,
    tallied_ledgers_total,
    tallied_problems_total,
)
from reviews.views.common import campaign_and_focus


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The campaigns the viewer follows, each with its dashboard and results."""
    campaigns = campaigns_listed(scope_for(request.user))
    return render(request, "reviews/index.html", {"page": page_of(request, campaigns)})


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    data = dashboard_figures(scope=scope, campaign=campaign, focus=focus)
    names = [row.unit.name for row in data["rows"]]
    chart = {
        "units": _without_common_prefix(names),
        "closed": [row.closed for row in data["rows"]],
        "open": [row.items - row.closed for row in data["rows"]],
        "overdue": [row.overdue for row in data["rows"]],
        "categories": [f"{c['category__order']}. {c['category__title'][:12]}" for c in data["by_category"]],
        "category_counts": [c["n"] for c in data["by_category"]],
        "natures": [str(label) for _value, label, _n in data["by_nature"]],
        "nature_counts": [n for _value, _label, n in data["by_nature"]],
        "weeks": [row["week"].isoformat() for row in data["weekly"]],
        "weekly": [row["n"] for row in data["weekly"]],
        "stars": [f"{n}★" for n, _count in data["stars"]],
        "star_counts": [count for _n, count in data["stars"]],
        "phases": [row["label"] for row in data["by_phase"]],
        "phase_closed": [row["closed"] for row in data["by_phase"]],
        "phase_open": [row["items"] - row["closed"] for row in data["by_phase"]],
        "phase_overdue": [row["overdue"] for row in data["by_phase"]],
        "labels": {"closed": _("已销号"), "open": _("未销号"), "overdue": _("逾期"), "problems": _("问题数"),
                   "weekly": _("每周销号"), "stars": _("星级分布")},
    }
    # (label, figure, the list's filter) for the tables beside the charts
    breakdowns = {
        "categories": [(f"{c['category__order']}. {c['category__title']}", c["n"], f"category={c['category_id']}")
                       for c in data["by_category"]],
        "natures": [(str(label), n, f"nature={value}") for value, label, n in data["by_nature"]],
        "weekly": [(row["week"].isoformat(), row["n"], f"closed_week={row['week'].isoformat()}")
                   for row in data["weekly"]],
        "stars": [(f"{n} ★", count, f"stars={n}") for n, count in data["stars"]],
        # (label, [(figure, the list's filter)…]): measures, closed, overdue of each phase
        "phases": [(row["label"], [(row["items"], f"phase={row['key']}"),
                                   (row["closed"], f"phase={row['key']}&status=closed"),
                                   (row["overdue"], f"phase={row['key']}&overdue=1")])
                   for row in data["by_phase"]],
        "phase_columns": [_("措施"), _("已销号"), _("逾期")],
    }
    home = focus_unit(scope=scope, campaign=campaign)
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
    filters = ItemFilter(request.GET, items_listed(scope=scope, campaign=campaign, unit=focus))
    total = tallied_items_total(campaign=campaign, unit=focus, filters=filters.values)
    page = keyset_page_of(request, filters.qs, ITEM_ORDER, total=total)
    return render(request, "reviews/item_list.html", {
        "campaign": campaign, "focus": focus, "filters": filters.values, "page": page,
        "statuses": ITEM_STATUSES, "categories": category_choices(campaign), "phases": phase_choices(campaign),
    })


@login_required
def problem_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    filters = ProblemFilter(request.GET, problems_listed(scope=scope, campaign=campaign, unit=focus), unit=focus)
    total = tallied_problems_total(campaign=campaign, unit=focus, filters=filters.values)
    page = keyset_page_of(request, filters.qs, PROBLEM_ORDER, total=total)
    return render(request, "reviews/problem_list.html", {
        "campaign": campaign, "focus": focus, "filters": filters.values, "page": page,
        "sources": ProblemSource.choices, "natures": ProblemNature.choices, "categories": category_choices(campaign),
        "recurrence_states": RecurrenceState.choices,
    })


@login_required
def ledger_list(request: HttpRequest, pk: int) -> HttpResponse:
    scope, campaign, focus = campaign_and_focus(request, pk)
    filters = LedgerFilter(request.GET, ledgers_listed(scope=scope, campaign=campaign, unit=focus),
                           campaign=campaign)
    total = tallied_ledgers_total(campaign=campaign, unit=focus, filters=filters.values)
    page = keyset_page_of(request, filters.qs, LEDGER_ORDER, total=total)
    # "In place" filters by the stored verdicts: while they are counted again under a new rule, the page says so.
    recount = figures_recount_pending(policy_of(campaign)) if filters.values.get("state") == "in_place" else None
    return render(request, "reviews/ledger_list.html", {
        "campaign": campaign, "focus": focus, "filters": filters.values, "page": page,
        "states": LEDGER_STATES, "recount": recount,
    })
