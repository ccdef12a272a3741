"""Scoped reads behind the results, policy, delegation and star-rating pages (结果运用, 评星定级).

Every object comes through the viewer's scope (`branches.selectors.Scope`). A getter answers None when the
object is outside it, and the view answers 404: outside one's subtree an object does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import OrgUnit, UnitKind
from branches.selectors import Action, Scope
from ledger.models import Campaign, Ledger
from reviews.models import RatingChange, RatingDelegation, RatingObjection, StarRating
from reviews.selectors import ledgers_in, ratings_in


def result_ledgers(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    """The ledgers on the results page, with their units, in the organization's own numbering."""
    return ledgers_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by("unit__code")


def ratings_by_unit(*, year: int, unit_ids: list[int]) -> dict[int, StarRating]:
    """The ratings of `year` of these units (one a year per unit), by unit id."""
    return {rating.unit_id: rating for rating in StarRating.objects.filter(year=year, unit_id__in=unit_ids)}


def ratings_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[StarRating]:
    """The campaign's ratings under `unit`, in tree order (`reviews.filters.RatingFilter` narrows them)."""
    return ratings_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by("unit_path")


def delegable_units(*, scope: Scope, campaign: Campaign) -> QuerySet[OrgUnit]:
    """The units above branches, under the campaign's issuer, at which the viewer may delegate rating."""
    units = scope.filter(OrgUnit.objects.filter(path__startswith=campaign.issuer_path), Action.MANAGE)
    return units.exclude(kind=UnitKind.BRANCH).order_by("path")


def delegations_active(*, scope: Scope, campaign: Campaign) -> QuerySet[RatingDelegation]:
    """The delegations in force under the campaign's issuer that the viewer manages."""
    delegations = RatingDelegation.objects.filter(is_active=True, unit_path__startswith=campaign.issuer_path)
    return scope.filter(delegations, Action.MANAGE, "unit_path").select_related("unit", "user", "granted_by")


def delegation_find(*, scope: Scope, pk: int) -> RatingDelegation | None:
    """A delegation in the viewer's subtree, else None."""
    return scope.filter(RatingDelegation.objects.all(), Action.VIEW, "unit_path").filter(pk=pk).first()


def rated_unit_find(*, scope: Scope, campaign: Campaign, pk: int) -> OrgUnit | None:
    """A unit under the campaign's issuer in the viewer's subtree (one that may be rated), else None."""
    return scope.filter(OrgUnit.objects.filter(path__startswith=campaign.issuer_path)).filter(pk=pk).first()


def rating_of(*, unit: OrgUnit, year: int) -> StarRating | None:
    """The unit's rating of `year`, if it has one yet."""
    return StarRating.objects.filter(unit=unit, year=year).first()


def rating_find(*, scope: Scope, pk: int) -> StarRating | None:
    """A rating in the viewer's subtree with its unit and campaign, else None."""
    ratings = StarRating.objects.select_related("unit", "campaign")
    return scope.filter(ratings, Action.VIEW, "unit_path").filter(pk=pk).first()


def rating_changes(rating: StarRating) -> QuerySet[RatingChange]:
    """The rating's history with who made each change."""
    return rating.changes.select_related("actor")


def objection_find(pk: int) -> RatingObjection | None:
    """An objection by id; the view then loads its rating through the viewer's scope."""
    return RatingObjection.objects.filter(pk=pk).first()
