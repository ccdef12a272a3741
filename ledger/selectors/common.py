"""Common problems (共性问题) of a supervising unit and the measures (专项整治) that answer them.

A common problem of a unit is a manifestation (or, for problems without one, a category) that at least
`COMMON_PROBLEM_MIN_UNITS` ledgers below it found (or `COMMON_PROBLEM_MIN_PERCENT` per cent of them, when set).
It is found in a fixed number of grouped queries over the subtree, by the unit's own path as a constant prefix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import DenseRank

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

# How many units below the page shows for each common problem, with their problems; the rest are a link to the
# problem list filtered to that problem (a county's page would otherwise list thousands of units).
UNITS_SHOWN = 20


@dataclass
class UnitProblems:
    ledger: Ledger
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CommonProblem:
    category: TemplateCategory
    manifestation: Manifestation | None
    units: list[UnitProblems] = field(default_factory=list)  # the first UNITS_SHOWN of them
    measure: CommonMeasure | None = None
    unit_count: int = 0  # all the units below that found it

    @property
    def more(self) -> bool:
        return self.unit_count > len(self.units)

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
    """The unit's common problems, each with how many ledgers below found it, the first UNITS_SHOWN of them with
    their problems, and the unit's answering measure; in checklist order. Four queries whatever the size of
    the subtree, and none returns more than UNITS_SHOWN ledgers' problems per common problem."""
    keys = common_group_keys(campaign=campaign, unit=unit)
    if not keys:
        return []
    groups: dict[GroupKey, CommonProblem] = {}
    for problem in _first_ledgers_problems(scope, campaign, unit, keys, UNITS_SHOWN):
        group = groups.setdefault((problem.category_id, problem.manifestation_id), CommonProblem(
            category=problem.category, manifestation=problem.manifestation,
            unit_count=keys[(problem.category_id, problem.manifestation_id)]))
        if not group.units or group.units[-1].ledger.pk != problem.ledger_id:
            group.units.append(UnitProblems(ledger=problem.ledger))
        group.units[-1].problems.append(problem)
    for measure in CommonMeasure.objects.filter(campaign=campaign, unit=unit):
        group = groups.get((measure.category_id, measure.manifestation_id))
        if group is not None:
            group.measure = measure
    return list(groups.values())


def _first_ledgers_problems(scope: Scope, campaign: Campaign, unit: OrgUnit, keys, shown: int) -> QuerySet[Problem]:
    """The problems of the common groups `keys` whose ledger is among the first `shown` of its group (by unit
    code, then path: the page's order), in the page's order. One statement: the rank is a window over each
    group that sorts narrow rows (ids and the order's keys); only the chosen rows are read whole."""
    ledger_rank = Window(DenseRank(), partition_by=[F("category_id"), F("manifestation_id")],
                         order_by=[F("ledger__unit__code").asc(), F("unit_path").asc()])
    problems = scope.filter(_problems_below(campaign, unit), Action.VIEW, "unit_path").filter(_group_condition(keys))
    first = problems.annotate(ledger_rank=ledger_rank).filter(ledger_rank__lte=shown).values("pk")
    return Problem.objects.filter(pk__in=first).select_related("ledger__unit", "category", "manifestation").order_by(
        "category__order", "manifestation__order", "ledger__unit__code", "unit_path", "number")


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
