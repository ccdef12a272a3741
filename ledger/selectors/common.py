"""Common problems (共性问题) of a supervising unit and the measures (专项整治) that answer them.

A common problem of a unit is a manifestation (or, for problems without one, a category) that at least
`COMMON_PROBLEM_MIN_UNITS` ledgers below it found (or `COMMON_PROBLEM_MIN_PERCENT` per cent of them, when set).
It is found in a fixed number of grouped queries over the subtree, by the unit's own path as a constant prefix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from branches.models import OrgUnit, UnitKind, ancestor_paths
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    CommonMeasure,
    Ledger,
    Manifestation,
    Problem,
    ProblemStatus,
    TemplateCategory,
)

GroupKey = tuple[int, int | None]  # (category id, manifestation id or None)


@dataclass
class UnitProblems:
    ledger: Ledger
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CommonProblem:
    category: TemplateCategory
    manifestation: Manifestation | None
    units: list[UnitProblems] = field(default_factory=list)
    measure: CommonMeasure | None = None

    @property
    def key(self) -> str:
        """The form's value for this group: "m<id>" (a manifestation) or "c<id>" (a category)."""
        return f"m{self.manifestation.pk}" if self.manifestation else f"c{self.category.pk}"


def is_supervising(unit: OrgUnit) -> bool:
    """Only a unit with units below it has common problems: a general branch or a committee."""
    return unit.kind != UnitKind.BRANCH


def _problems_below(campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    """The active problems of the campaign's ledgers strictly below `unit` (its path a constant prefix)."""
    return Problem.objects.filter(ledger__campaign=campaign, status=ProblemStatus.ACTIVE,
                                  unit_path__startswith=unit.path).exclude(unit_path=unit.path)


def units_needed(*, campaign: Campaign, unit: OrgUnit) -> int:
    """How many units below must find the same thing for it to be common (the settings' threshold)."""
    needed = max(1, settings.COMMON_PROBLEM_MIN_UNITS)
    if settings.COMMON_PROBLEM_MIN_PERCENT:
        ledgers = Ledger.objects.filter(campaign=campaign, unit_path__startswith=unit.path).exclude(
            unit_path=unit.path).count()
        needed = min(needed, max(1, math.ceil(ledgers * settings.COMMON_PROBLEM_MIN_PERCENT / 100)))
    return needed


def common_group_keys(*, campaign: Campaign, unit: OrgUnit) -> dict[GroupKey, int]:
    """(category, manifestation) → units that found it, for every group at the threshold: one grouped query."""
    if not is_supervising(unit):
        return {}
    needed = units_needed(campaign=campaign, unit=unit)
    groups = (_problems_below(campaign, unit).order_by().values("category_id", "manifestation_id")
              .annotate(units=Count("ledger_id", distinct=True)).filter(units__gte=needed))
    return {(row["category_id"], row["manifestation_id"]): row["units"] for row in groups}


def _group_condition(keys) -> Q:
    manifestations = [manifestation for _category, manifestation in keys if manifestation is not None]
    categories = [category for category, manifestation in keys if manifestation is None]
    return Q(manifestation_id__in=manifestations) | Q(manifestation__isnull=True, category_id__in=categories)


def common_problems(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> list[CommonProblem]:
    """The unit's common problems, each with the ledgers below that found it, their problems and the unit's
    answering measure; in checklist order. Four queries whatever the size of the subtree."""
    keys = common_group_keys(campaign=campaign, unit=unit)
    if not keys:
        return []
    problems = scope.filter(_problems_below(campaign, unit), Action.VIEW, "unit_path").filter(
        _group_condition(keys)).select_related("ledger__unit", "category", "manifestation").order_by(
        "category__order", "manifestation__order", "ledger__unit__code", "unit_path", "number")
    groups: dict[GroupKey, CommonProblem] = {}
    for problem in problems:
        group = groups.setdefault((problem.category_id, problem.manifestation_id),
                                  CommonProblem(category=problem.category, manifestation=problem.manifestation))
        if not group.units or group.units[-1].ledger.pk != problem.ledger_id:
            group.units.append(UnitProblems(ledger=problem.ledger))
        group.units[-1].problems.append(problem)
    for measure in CommonMeasure.objects.filter(campaign=campaign, unit=unit):
        group = groups.get((measure.category_id, measure.manifestation_id))
        if group is not None:
            group.measure = measure
    return list(groups.values())


def common_measure_find(*, scope: Scope, pk: int) -> CommonMeasure | None:
    """A common measure the viewer sees (its unit in their subtree), else None."""
    measures = scope.filter(CommonMeasure.objects.select_related("unit", "campaign"), Action.VIEW, "unit_path")
    return measures.filter(pk=pk).first()


def measures_above(ledger: Ledger, problems: list[Problem]) -> dict[int, list[CommonMeasure]]:
    """Problem id → the measures of the units above the ledger's that answer it (上级专项整治): same campaign and
    the same manifestation, or the same category for a problem without one. One query, by the ancestors' paths."""
    measures = list(CommonMeasure.objects.filter(campaign_id=ledger.campaign_id,
                                                 unit_path__in=ancestor_paths(ledger.unit_path))
                    .select_related("unit").order_by("unit_path"))
    answered: dict[int, list[CommonMeasure]] = {}
    for problem in problems:
        for measure in measures:
            if (measure.manifestation_id, measure.category_id) == (problem.manifestation_id, problem.category_id):
                answered.setdefault(problem.pk, []).append(measure)
    return answered
