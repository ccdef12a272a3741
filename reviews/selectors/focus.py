"""The campaign a reviews page is about and the unit whose subtree it shows.

A getter answers None when the object is outside the viewer's scope; the view answers 404
(`config.http.found_or_404`): outside one's subtree an object does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from ledger.models import Campaign
from ledger.selectors.campaigns import campaigns_visible


def campaign_find(*, scope: Scope, pk: int) -> Campaign | None:
    """The campaign if the viewer sees it (the rule of `ledger.selectors.campaigns`), with its issuer; else None."""
    return campaigns_visible(scope).select_related("issuer").filter(pk=pk).first()


def campaigns_for(scope: Scope) -> QuerySet[Campaign]:
    """Published or closed campaigns the viewer sees: issued within their subtree or above it."""
    return campaigns_visible(scope, drafts=False)


def campaigns_listed(scope: Scope) -> QuerySet[Campaign]:
    """The reviews home page: the campaigns the viewer follows, newest first."""
    return campaigns_for(scope).select_related("issuer").order_by("-year", "-pk")


def focus_unit(*, scope: Scope, campaign: Campaign, unit_pk: int | None = None) -> OrgUnit | None:
    """The unit whose subtree a page shows: the one asked for, else the viewer's highest unit in the campaign;
    None when the viewer sees no such unit under the campaign's issuer."""
    if unit_pk is not None:
        unit = scope.filter(OrgUnit.objects.filter(pk=unit_pk)).first()
        return unit if unit is not None and unit.path.startswith(campaign.issuer_path) else None
    if scope.can(Action.VIEW, campaign.issuer_path):
        return campaign.issuer
    inside = [unit for path, unit in scope.units.items() if path.startswith(campaign.issuer_path)]
    return min(inside, key=lambda unit: len(unit.path)) if inside else None
