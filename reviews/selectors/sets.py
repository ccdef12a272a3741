"""The scoped rows under a unit that every list and every dashboard figure start from.

Every list and figure starts from the same scoped base querysets (`items_in`, `problems_in`, `ledgers_in`), so a
number on a dashboard is always the row count of the list it links to (the lists' filters: `reviews.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from config.lists import Total
from ledger.models import (
    Campaign,
    EventAction,
    ItemStatus,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Problem,
    ProblemStatus,
    RectificationItem,
)
from ledger.selectors.tallies import usable_tally
from reviews.models import StarRating

HANDED_IN = (LedgerStatus.SUBMITTED, LedgerStatus.ACCEPTED)


@dataclass(frozen=True)
class CampaignSets:
    """A campaign's rows under one unit that the lists and dashboards count, all from the same filters."""

    ledgers: QuerySet[Ledger]
    problems: QuerySet[Problem]
    items: QuerySet[RectificationItem]
    closures: QuerySet[LedgerEvent]
    ratings: QuerySet[StarRating]

    def scoped(self, scope: Scope) -> CampaignSets:
        return CampaignSets(
            ledgers=scope.filter(self.ledgers, Action.VIEW, "unit_path"),
            problems=scope.filter(self.problems, Action.VIEW, "unit_path"),
            items=scope.filter(self.items, Action.VIEW, "unit_path"),
            closures=scope.filter(self.closures, Action.VIEW, "ledger__unit_path"),
            ratings=scope.filter(self.ratings, Action.VIEW, "unit_path"),
        )


def campaign_sets(*, campaign: Campaign, unit: OrgUnit) -> CampaignSets:
    """Unscoped: for the background tallies, and through `.scoped()` for everything a viewer sees.

    Problems and items count only while their problem is active (a withdrawn problem's measures no longer
    count anywhere); closures are the item-closed events of such items.
    """
    under = {"unit_path__startswith": unit.path}
    active = ProblemStatus.ACTIVE
    return CampaignSets(
        ledgers=Ledger.objects.filter(campaign=campaign, **under),
        problems=Problem.objects.filter(ledger__campaign=campaign, status=active, **under),
        items=RectificationItem.objects.filter(ledger__campaign=campaign, problem__status=active, **under),
        closures=LedgerEvent.objects.filter(ledger__campaign=campaign, ledger__unit_path__startswith=unit.path,
                                            action=EventAction.ITEM_CLOSED, item__problem__status=active),
        ratings=StarRating.objects.filter(campaign=campaign, **under),
    )


def ledgers_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    return _seen_below(scope, campaign_sets(campaign=campaign, unit=unit).ledgers, unit)


def problems_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    return _seen_below(scope, campaign_sets(campaign=campaign, unit=unit).problems, unit)


def items_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    return _seen_below(scope, campaign_sets(campaign=campaign, unit=unit).items, unit)


def _seen_below(scope: Scope, rows: QuerySet, unit: OrgUnit) -> QuerySet:
    """`rows` (of `unit`'s subtree, by their `unit_path`) as the viewer sees them. VIEW reaches a unit's whole
    subtree, so below a unit the viewer sees the subtree is said once: said again (the viewer's own prefix, the
    same range for a county) PostgreSQL multiplied the two estimates — at 300k it guessed 186 of a county's
    10,579 ledgers, then read them all to sort instead of stopping at the last page's 51 (25 ms instead of 2)."""
    return rows if scope.can(Action.VIEW, unit) else scope.filter(rows, Action.VIEW, "unit_path")


# The lists' orders, for keyset pagination (`config.lists.keyset_page_of`): tree order, each unit's rows by
# number, the primary key last so that every row has its own place. An index on unit_path (bytewise, "C")
# gives the first key in order; the rest is sorted within one unit's rows at a time.
ITEM_ORDER = ("unit_path", "problem__number", "number", "pk")
PROBLEM_ORDER = ("unit_path", "number", "pk")
# What a row of those lists shows (reviews/templatetags/review_rows.py) and its place in the order: the five
# tables' other columns (dates, texts, the unit's and ledger's own figures) cost more to read and turn into
# Python values than the page's rows took to write (issue 15).
ITEM_COLUMNS = ("unit_path", "number", "measure", "is_ongoing", "deadline", "status", "responsible_name",
                "problem__number", "problem__description", "ledger__unit__name")
PROBLEM_COLUMNS = ("unit_path", "number", "description", "recurrence_state", "carried_from_id", "source", "nature",
                   "category__order", "category__title", "ledger__unit__name")


def items_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    """The measures list behind the dashboard, in tree order (a FilterSet narrows it: `reviews.filters`).

    The subtree is said on the measure's own path only: said again on the joined ledger and problem, it led
    PostgreSQL at 300k to plans 10–20× slower for a county (95–147 ms instead of 5–10) — measured, then undone."""
    items = items_in(scope=scope, campaign=campaign, unit=unit)
    return items.select_related("ledger__unit", "problem").only(*ITEM_COLUMNS).order_by(*ITEM_ORDER)


def problems_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    problems = problems_in(scope=scope, campaign=campaign, unit=unit)
    return problems.select_related("ledger__unit", "category").only(*PROBLEM_COLUMNS).order_by(*PROBLEM_ORDER)


# What the subtree tallies hold of each list: (the filters set, as (name, value) pairs) → the figure. These are
# the dashboard's figures, each linking to its list (a test checks the two agree).
ITEM_FIGURES = {
    (): lambda tally: tally.items,
    (("status", "open"),): lambda tally: tally.items - tally.closed,
    (("status", ItemStatus.CLOSED.value),): lambda tally: tally.closed,
    (("overdue", "1"),): lambda tally: tally.overdue,
}
PROBLEM_FIGURES = {(): lambda tally: tally.problems}
LEDGER_ORDER = ("unit_path", "pk")  # tree order; a campaign's ledgers have distinct paths, pk makes it certain
LEDGER_FIGURES = {
    (): lambda tally: tally.ledgers,
    (("state", "handed_in"),): lambda tally: tally.handed_in,
    (("state", "in_place"),): lambda tally: tally.in_place,
}
PROBLEM_FIGURE_BY = {"category": "categories", "nature": "natures"}  # one filter → that tally's JSON by value


def tallied_items_total(*, campaign: Campaign, unit: OrgUnit, filters: dict) -> Total | None:
    chosen = _chosen(filters)
    figure = ITEM_FIGURES.get(chosen)
    if figure is None and len(chosen) == 1 and chosen[0][0] == "closed_week" and chosen[0][1].weekday() == 0:
        # the weekly chart's figure: the measures with a closing in the week from that Monday (another day
        # starts a week the tallies do not hold, and is counted)
        monday = chosen[0][1].isoformat()
        figure = lambda tally: tally.weekly.get(monday, 0)  # noqa: E731
    return _tallied(campaign=campaign, unit=unit, figure=figure) if figure else None


def tallied_problems_total(*, campaign: Campaign, unit: OrgUnit, filters: dict) -> Total | None:
    chosen = _chosen(filters)
    figure = PROBLEM_FIGURES.get(chosen)
    if figure is None and len(chosen) == 1 and chosen[0][0] in PROBLEM_FIGURE_BY:
        (name, value), = chosen
        figure = lambda tally: getattr(tally, PROBLEM_FIGURE_BY[name]).get(str(value), 0)  # noqa: E731
    return _tallied(campaign=campaign, unit=unit, figure=figure) if figure else None


def tallied_ledgers_total(*, campaign: Campaign, unit: OrgUnit, filters: dict) -> Total | None:
    chosen = _chosen(filters)
    figure = LEDGER_FIGURES.get(chosen)
    if figure is None and len(chosen) == 1 and chosen[0][1] in LedgerStatus.values:
        status = chosen[0][1]
        figure = lambda tally: tally.statuses.get(status, 0)  # noqa: E731
    return _tallied(campaign=campaign, unit=unit, figure=figure) if figure else None


def _chosen(filters: dict) -> tuple[tuple[str, object], ...]:
    return tuple((name, value) for name, value in filters.items() if value not in (None, ""))


def _tallied(*, campaign: Campaign, unit: OrgUnit, figure) -> Total | None:
    """A list's total under `unit` from the subtree tallies, with when it was counted; None when the subtree has
    no usable tally (small, or not counted lately): the list then counts, bounded."""
    tally = usable_tally(campaign=campaign, unit=unit, today=timezone.localdate())
    return Total(n=figure(tally), counted_at=tally.counted_at) if tally else None


def ledgers_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    return ledgers_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by(*LEDGER_ORDER)
