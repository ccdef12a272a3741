"""The scoped rows under a unit that every list and every dashboard figure start from.

Every list and figure starts from the same scoped base querysets (`items_in`, `problems_in`, `ledgers_in`), so a
number on a dashboard is always the row count of the list it links to (the lists' filters: `reviews.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    EventAction,
    Ledger,
    LedgerEvent,
    LedgerStatus,
    Problem,
    ProblemStatus,
    RectificationItem,
)
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
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).ledgers, Action.VIEW, "unit_path")


def problems_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).problems, Action.VIEW, "unit_path")


def items_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).items, Action.VIEW, "unit_path")


def items_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[RectificationItem]:
    """The measures list behind the dashboard, in tree order (a FilterSet narrows it: `reviews.filters`)."""
    items = items_in(scope=scope, campaign=campaign, unit=unit).select_related("ledger__unit", "problem__category")
    return items.order_by("unit_path", "problem__number", "number")


def problems_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    problems = problems_in(scope=scope, campaign=campaign, unit=unit).select_related("ledger__unit", "category")
    return problems.order_by("unit_path", "number")


def ledgers_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    return ledgers_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by("unit_path")
