"""Scoped reads behind the results, policy, delegation and star-rating pages (结果运用, 评星定级).

A getter answers None when the object is outside the viewer's scope, and the view answers 404.
"""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import OrgUnit, UnitKind
from branches.selectors import Action, Scope, UnitPick
from ledger.models import Campaign, Ledger
from reviews.models import RatingChange, RatingDelegation, RatingObjection, StarRating
from reviews.selectors.results import LedgerResult, policy_of, results_reader
from reviews.selectors.sets import LEDGER_ORDER, campaign_sets, ledgers_in


def ratings_in(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[StarRating]:
    return scope.filter(campaign_sets(campaign=campaign, unit=unit).ratings, Action.VIEW, "unit_path")


def rating_paths(*, scope: Scope, user) -> list[str]:
    """The subtrees (paths) where `user` may decide ratings: MANAGE grants and active delegations. One query."""
    paths = [grant.path for grant in scope.grants if scope.can(Action.MANAGE, grant.path)]
    if getattr(user, "is_authenticated", False):
        paths += RatingDelegation.objects.filter(user=user, is_active=True).values_list("unit_path", flat=True)
    return paths


def can_rate(*, scope: Scope, user, unit: OrgUnit, paths: list[str] | None = None) -> bool:
    """The organization department (MANAGE) or someone it delegated rating to for this subtree."""
    paths = rating_paths(scope=scope, user=user) if paths is None else paths
    return any(unit.path.startswith(path) for path in paths)


def weak_and_lax_candidates(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> list[tuple[StarRating, LedgerResult]]:
    """Ratings in the 后进 tier whose unit's rectification is not in place (软弱涣散整顿 candidates), by the
    ledgers' stored figures as the results table beside them (`stored_results`: one query, where counting every
    lagging unit's measures live was a third of the results page)."""
    policy = policy_of(campaign)
    lagging = list(ratings_in(scope=scope, campaign=campaign, unit=unit)
                   .filter(stars__lt=policy.middle_min_stars).select_related("unit"))
    ledgers = dict(Ledger.objects.filter(campaign=campaign, unit_id__in=[r.unit_id for r in lagging])
                   .values_list("unit_id", "pk"))
    results = results_reader(policy)(ledger_ids=list(ledgers.values()), campaign=campaign, policy=policy)
    return [(rating, results[ledgers[rating.unit_id]]) for rating in lagging
            if rating.unit_id in ledgers and not results[ledgers[rating.unit_id]].in_place]


def result_ledgers(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Ledger]:
    """The ledgers on the results page, with their units, in tree order (`LEDGER_ORDER`: an index serves it, and
    a page is read by keyset — the organization's numbering sorted every ledger of a province for each page)."""
    return ledgers_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by(*LEDGER_ORDER)


def ratings_by_unit(*, year: int, unit_ids: list[int]) -> dict[int, StarRating]:
    """The ratings of `year` of these units (one a year per unit), by unit id."""
    return {rating.unit_id: rating for rating in StarRating.objects.filter(year=year, unit_id__in=unit_ids)}


def ratings_listed(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[StarRating]:
    """The campaign's ratings under `unit`, in tree order (`reviews.filters.RatingFilter` narrows them)."""
    return ratings_in(scope=scope, campaign=campaign, unit=unit).select_related("unit").order_by("unit_path")


def delegable(campaign: Campaign) -> UnitPick:
    """The units above branches, under the campaign's issuer, at which the viewer may delegate rating (picked:
    a province has thousands)."""
    return UnitPick(action=Action.MANAGE, excluded_kinds=(UnitKind.BRANCH,), under=campaign.issuer_path)



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
