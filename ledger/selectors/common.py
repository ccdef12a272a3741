"""Common problems (共性问题) of a supervising unit and the measures (专项整治) that answer them.

A common problem of a unit is a manifestation (or, for problems without one, a category) that at least
`COMMON_PROBLEM_MIN_UNITS` ledgers below it found (or `COMMON_PROBLEM_MIN_PERCENT` per cent of them, when set).
How many ledgers found each group comes from the subtree tallies (`found`) for a big subtree whose tallies are
current, else from one grouped query over the subtree, by the unit's own path as a constant prefix.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import DenseRank
from django.utils import timezone

from branches.models import OrgUnit, UnitKind, ancestor_paths
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    CommonMeasure,
    Ledger,
    Manifestation,
    Problem,
    ProblemStatus,
    SubtreeTally,
    TemplateCategory,
)
from ledger.selectors.tallies import tally_or_parts

GroupKey = tuple[int, int | None]  # (category id, manifestation id or None)

# How many units below the page shows for each common problem, with their problems; the rest are a link to the
# problem list filtered to that problem (a county's page would otherwise list thousands of units). Ten: a
# checklist has about thirty common groups at a county, and drawing twenty units' problems for each was most of
# the page's time (30k units: ~190 of 290 ms); ten are enough to see what the problem looks like.
UNITS_SHOWN = 10


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
    return _active(campaign).filter(unit_path__startswith=unit.path).exclude(unit_path=unit.path)


def _active(campaign: Campaign) -> QuerySet[Problem]:
    return Problem.objects.filter(ledger__campaign=campaign, status=ProblemStatus.ACTIVE)


# --- how many ledgers found each group: from the subtree tallies when they are current, else counted live -------


def found_key(category_id: int, manifestation_id: int | None) -> str:
    """A group's key in the tallies' `found` map: "<category id>:<manifestation id or ''>"."""
    return f"{category_id}:{manifestation_id or ''}"


def _group_of(key: str) -> GroupKey:
    category, manifestation = key.split(":")
    return int(category), int(manifestation) if manifestation else None


def group_groups(problems: QuerySet[Problem], *, key) -> QuerySet:
    """Rows {key, category_id, manifestation_id, n, ledgers}: active problems and the ledgers that found them, per
    `key` and group. The tally recount streams it per unit (`reviews.tallies`), for `categories` and `found`."""
    return problems.annotate(key=key).order_by().values("key", "category_id", "manifestation_id").annotate(
        n=Count("pk"), ledgers=Count("ledger_id", distinct=True))


def _live_counts(problems: QuerySet[Problem]) -> dict[GroupKey, int]:
    """Group → ledgers among `problems` that found it: one grouped query."""
    rows = problems.order_by().values_list("category_id", "manifestation_id").annotate(
        n=Count("ledger_id", distinct=True))
    return {(category, manifestation): n for category, manifestation, n in rows}


def _add(into: dict[GroupKey, int], counts: dict[GroupKey, int], sign: int = 1) -> None:
    for group, n in counts.items():
        into[group] = into.get(group, 0) + sign * n


def _stored_counts(tallies: list[SubtreeTally]) -> dict[GroupKey, int]:
    counts: dict[GroupKey, int] = {}
    for tally in tallies:
        _add(counts, {_group_of(key): n for key, n in tally.found.items()})
    return counts


@dataclass
class GroupCounts:
    """Group → ledgers strictly below the unit that found it, how many ledgers lie strictly below (None: not
    read, the threshold needs it only as a percentage), and when the stored part was counted (None: live)."""

    counts: dict[GroupKey, int]
    counted_at: datetime.datetime | None = None
    ledgers_below: int | None = None


def group_counts(*, campaign: Campaign, unit: OrgUnit, today: datetime.date | None = None) -> GroupCounts:
    """Ledgers strictly below `unit` per group. A big subtree whose tallies are current (the dashboard's rule,
    `tally_or_parts`) reads its tally minus its own ledger's groups (one small query), or, when it changed since,
    its unchanged blocks' rows plus a live count of the rest; anything else is counted live (one grouped query
    over the subtree, small below TALLY_MIN_LEDGERS)."""
    tally, parts = tally_or_parts(campaign=campaign, unit=unit, today=today or timezone.localdate())
    if tally is not None:
        counts = _stored_counts([tally])
        _add(counts, _live_counts(_active(campaign).filter(unit_path=unit.path)), sign=-1)
        return GroupCounts(counts={group: n for group, n in counts.items() if n > 0}, counted_at=tally.counted_at,
                           ledgers_below=_tallied_ledgers_below(campaign, unit, tally.ledgers))
    if parts is not None:
        counts = _stored_counts(parts.stored)
        _add(counts, _live_counts(_problems_below(campaign, unit).filter(parts.live_condition())))
        return GroupCounts(counts=counts, counted_at=parts.counted_at)
    return GroupCounts(counts=_live_counts(_problems_below(campaign, unit)))


def _tallied_ledgers_below(campaign: Campaign, unit: OrgUnit, ledgers: int) -> int | None:
    """The tally's ledgers without the unit's own, when the threshold is a percentage (one query more)."""
    if not settings.COMMON_PROBLEM_MIN_PERCENT:
        return None
    return ledgers - Ledger.objects.filter(campaign=campaign, unit_path=unit.path).count()


def units_needed(*, campaign: Campaign, unit: OrgUnit, ledgers_below: int | None = None) -> int:
    """How many units below must find the same thing for it to be common (the settings' threshold).
    `ledgers_below`: the ledgers strictly below, when known (else counted when the threshold is a percentage)."""
    needed = max(1, settings.COMMON_PROBLEM_MIN_UNITS)
    if settings.COMMON_PROBLEM_MIN_PERCENT:
        if ledgers_below is None:
            ledgers_below = Ledger.objects.filter(campaign=campaign, unit_path__startswith=unit.path).exclude(
                unit_path=unit.path).count()
        needed = min(needed, max(1, math.ceil(ledgers_below * settings.COMMON_PROBLEM_MIN_PERCENT / 100)))
    return needed


@dataclass
class CommonGroups:
    counts: dict[GroupKey, int]  # the groups at the threshold → ledgers below that found them
    needed: int = 0
    counted_at: datetime.datetime | None = None  # the counts come from the tallies counted then; None: live


def common_groups(*, campaign: Campaign, unit: OrgUnit) -> CommonGroups:
    """The groups at least `units_needed` ledgers strictly below `unit` found, with their counts."""
    if not is_supervising(unit):
        return CommonGroups(counts={})
    found = group_counts(campaign=campaign, unit=unit)
    needed = units_needed(campaign=campaign, unit=unit, ledgers_below=found.ledgers_below)
    return CommonGroups(counts={group: n for group, n in found.counts.items() if n >= needed}, needed=needed,
                        counted_at=found.counted_at)


def common_group_keys(*, campaign: Campaign, unit: OrgUnit) -> dict[GroupKey, int]:
    """(category, manifestation) → units that found it, for every group at the threshold."""
    return common_groups(campaign=campaign, unit=unit).counts


def _group_condition(keys) -> Q:
    manifestations = [manifestation for _category, manifestation in keys if manifestation is not None]
    categories = [category for category, manifestation in keys if manifestation is None]
    return Q(manifestation_id__in=manifestations) | Q(manifestation__isnull=True, category_id__in=categories)


# --- the page ------------------------------------------------------------------------------------------------


@dataclass
class CommonPage:
    problems: list[CommonProblem]
    needed: int | None  # None: not a supervising unit
    counted_at: datetime.datetime | None  # when the units' counts were counted (None: counted live now)


def common_problems(*, scope: Scope, campaign: Campaign, unit: OrgUnit) -> CommonPage:
    """The unit's common problems, each with how many ledgers below found it, the first UNITS_SHOWN of them (in
    tree order, shown by unit code) with their problems, and the unit's answering measure; in checklist order. A fixed number of
    queries whatever the size of the subtree, none reading more than UNITS_SHOWN ledgers' problems per group."""
    if not is_supervising(unit):
        return CommonPage(problems=[], needed=None, counted_at=None)
    found = common_groups(campaign=campaign, unit=unit)
    page = CommonPage(problems=[], needed=found.needed, counted_at=found.counted_at)
    if not found.counts:
        return page
    groups: dict[GroupKey, CommonProblem] = {}
    for problem in _first_ledgers_problems(scope, campaign, unit, found.counts, UNITS_SHOWN):
        group = groups.setdefault((problem.category_id, problem.manifestation_id), CommonProblem(
            category=problem.category, manifestation=problem.manifestation,
            unit_count=found.counts[(problem.category_id, problem.manifestation_id)]))
        if not group.units or group.units[-1].ledger.pk != problem.ledger_id:
            group.units.append(UnitProblems(ledger=problem.ledger))
        group.units[-1].problems.append(problem)
    for measure in CommonMeasure.objects.filter(campaign=campaign, unit=unit):
        group = groups.get((measure.category_id, measure.manifestation_id))
        if group is not None:
            group.measure = measure
    page.problems = list(groups.values())
    return page


def _first_ledgers_problems(scope: Scope, campaign: Campaign, unit: OrgUnit, keys, shown: int) -> list[Problem]:
    """The problems of the common groups `keys` whose ledger is among the first `shown` of its group in tree
    order (unit path: the first page of the problem list the page links to, and the order an index gives), shown
    by unit code as before. Two statements: the first ledgers of each group, then their problems in those groups
    only."""
    problems = scope.filter(_problems_below(campaign, unit), Action.VIEW, "unit_path")
    first = set(_first_paths(problems, keys, shown))
    paths = sorted({path for _category, _manifestation, path in first})
    rows = (_active(campaign).filter(unit_path__in=paths).filter(_group_condition(keys))
            .select_related("ledger__unit", "category", "manifestation")
            .order_by("category__order", "manifestation__order", "ledger__unit__code", "unit_path", "number"))
    return [problem for problem in rows if (problem.category_id, problem.manifestation_id, problem.unit_path) in first]


def _first_paths(problems: QuerySet[Problem], keys, shown: int) -> list[tuple[int, int | None, str]]:
    """(category, manifestation, unit path) of the first `shown` ledgers of each group. PostgreSQL: one
    `UNION ALL` of a bounded range per group on `problem_group_path` (stopped after `shown` ledgers: the rows
    read do not grow with the subtree; the groups are bounded by the checklist). SQLite, which cannot limit the
    parts of a UNION (an embedded, small deployment): one window over the groups' rows."""
    if connection.features.supports_slicing_ordering_in_compound:
        # ordered by the index's columns (constants but the path): DISTINCT then needs no sort, and the scan stops
        parts = [problems.filter(category_id=category, manifestation_id=manifestation)
                 .values_list("category_id", "manifestation_id", "unit_path")
                 .order_by("category_id", "manifestation_id", "unit_path").distinct()[:shown]
                 for category, manifestation in keys]
        return list(parts[0].union(*parts[1:], all=True))
    rank = Window(DenseRank(), partition_by=[F("category_id"), F("manifestation_id")], order_by=F("unit_path").asc())
    ranked = problems.filter(_group_condition(keys)).annotate(ledger_rank=rank).filter(ledger_rank__lte=shown)
    return list(ranked.values_list("category_id", "manifestation_id", "unit_path").distinct())


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
