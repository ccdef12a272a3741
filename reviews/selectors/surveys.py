"""Scoped reads of the yearly surveys (摸底排查) and their three tier lists (三类台账).

A survey is seen where its issuing unit is seen (the organization department and the inspector above it);
a getter answers None outside the viewer's scope and the view answers 404.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from reviews.models import Tier, TierSurvey, TierSurveyEntry


def surveys_listed(scope: Scope) -> QuerySet[TierSurvey]:
    """The surveys issued inside the viewer's subtree, newest year first, with their counts per tier."""
    surveys = scope.filter(TierSurvey.objects.all(), Action.VIEW, "issuer_path").select_related("issuer")
    counts = {tier: Count("entries", filter=Q(entries__tier=tier)) for tier in Tier.values}
    return surveys.annotate(**counts).order_by("-year", "issuer_path")


def survey_find(*, scope: Scope, pk: int) -> TierSurvey | None:
    surveys = TierSurvey.objects.select_related("issuer", "improvement_campaign")
    return scope.filter(surveys, Action.VIEW, "issuer_path").filter(pk=pk).first()


def survey_issuers(scope: Scope) -> QuerySet[OrgUnit]:
    """The units above branches at which the viewer may open a survey (MANAGE)."""
    return OrgUnit.objects.filter(path__in=[g.path for g in scope.grants if scope.can(Action.MANAGE, g.path)])


SURVEY_UNIT_ORDER = ("code",)  # the organization's own numbering (unique): the survey page's keyset order


def survey_units(survey: TierSurvey) -> QuerySet[OrgUnit]:
    """The units the survey may classify (strictly below its issuer), in code order. Their tiers and reasons
    are read for the shown page only (`with_tiers`): a subquery per unit ran for all 30,000 units of a
    province before the page's limit (scale bench)."""
    return (OrgUnit.objects.filter(path__startswith=survey.issuer_path, is_active=True).exclude(pk=survey.issuer_id)
            .select_related("parent").order_by(*SURVEY_UNIT_ORDER))


def with_tiers(survey: TierSurvey, units: list[OrgUnit]) -> list[OrgUnit]:
    """`units`, each given its tier and reason so far in the survey (None when not classified), one query."""
    entries = {unit_id: (tier, reason) for unit_id, tier, reason in TierSurveyEntry.objects.filter(
        survey=survey, unit__in=units).values_list("unit_id", "tier", "reason")}
    for unit in units:
        unit.tier, unit.reason = entries.get(unit.pk, (None, None))
    return units


def entry_exists(survey: TierSurvey, tier: str | None = None) -> Exists:
    """A condition on units: classified in the survey (in `tier` when given)."""
    entries = TierSurveyEntry.objects.filter(survey=survey, unit=OuterRef("pk"))
    return Exists(entries.filter(tier=tier) if tier else entries)


def survey_counts(survey: TierSurvey) -> dict[str, int]:
    """How many units are in each tier."""
    counts = dict(survey.entries.order_by().values_list("tier").annotate(n=Count("pk")))
    return {tier: counts.get(tier, 0) for tier in Tier.values}


def tier_entries(survey: TierSurvey, tier: str) -> QuerySet[TierSurveyEntry]:
    """One tier's list (先进 / 中间 / 后进) in the organization's own numbering (code), with each unit's parent
    and improvement ledger."""
    return (survey.entries.filter(tier=tier)
            .select_related("unit", "unit__parent", "improvement_ledger__campaign").order_by("unit__code"))


def survey_unit_find(*, survey: TierSurvey, pk: int) -> OrgUnit | None:
    """A unit the survey may classify, else None."""
    return survey_units(survey).filter(pk=pk).first()


def tier_parents(survey: TierSurvey, tier: str) -> list[tuple[int, str]]:
    """The units above the tier list's units (党总支), as the list's filter options."""
    parents = OrgUnit.objects.filter(pk__in=survey.entries.filter(tier=tier).values("unit__parent_id"))
    return list(parents.order_by("path").values_list("pk", "name"))


def survey_issuer_find(scope: Scope, pk: int | None) -> OrgUnit | None:
    """The unit the viewer opens a survey at: the one asked for if they manage it, else their first; None when
    they manage none."""
    issuers = survey_issuers(scope).order_by("path")
    return issuers.filter(pk=pk).first() if pk else issuers.first()
