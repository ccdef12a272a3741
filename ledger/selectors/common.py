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
from django.db.models.expressions import RawSQL
from django.db.models.functions import DenseRank, Left
from django.utils import timezone
from django.utils.text import Truncator

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
    """A unit below that found a common problem: its ledger, its name and code, and its problems in that group
    as (number, description cut to what the page shows) — read as values, not models (issue 15)."""

    ledger_id: int
    name: str
    code: str
    problems: list[tuple[int, str]] = field(default_factory=list)


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


def _counted_below(campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    """`_problems_below` for a grouped count over the whole subtree: the ledgers' own path bounded alike, so the
    join reads the subtree's ledgers on `ledger_campaign_path` instead of hashing every ledger of the campaign
    (44 ms at 30k for a committee's count of a few hundred problems). Not for the first ledgers of each group,
    whose scans stop early along `problem_group_path` (the bound there makes the planner sort whole groups)."""
    return _problems_below(campaign, unit).filter(ledger__unit_path__startswith=unit.path)


def _visible_below(scope: Scope, campaign: Campaign, unit: OrgUnit) -> QuerySet[Problem]:
    """`_problems_below` as the viewer sees them. VIEW reaches a unit's whole subtree, so a unit the viewer sees
    needs no second condition; saying the subtree again (the viewer's own prefix, the same range for a county)
    made PostgreSQL multiply the two estimates: at 300k it guessed 5 rows of a county's group where there are
    700, and sorted every one of them instead of stopping after the first ledgers (426 ms instead of 4)."""
    problems = _problems_below(campaign, unit)
    return problems if scope.can(Action.VIEW, unit) else scope.filter(problems, Action.VIEW, "unit_path")


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
        _add(counts, _live_counts(_active(campaign).filter(unit_path=unit.path, ledger__unit_path=unit.path)), sign=-1)
        return GroupCounts(counts={group: n for group, n in counts.items() if n > 0}, counted_at=tally.counted_at,
                           ledgers_below=_tallied_ledgers_below(campaign, unit, tally.ledgers))
    if parts is not None:
        counts = _stored_counts(parts.stored)
        _add(counts, _live_counts(_counted_below(campaign, unit).filter(parts.live_condition())))
        return GroupCounts(counts=counts, counted_at=parts.counted_at)
    return GroupCounts(counts=_live_counts(_counted_below(campaign, unit)))


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
    tree order, shown by unit code) with their problems, and the unit's answering measure; in checklist order. A
    fixed number of queries whatever the size of the subtree, none reading more than UNITS_SHOWN ledgers' problems
    per group."""
    if not is_supervising(unit):
        return CommonPage(problems=[], needed=None, counted_at=None)
    found = common_groups(campaign=campaign, unit=unit)
    page = CommonPage(problems=[], needed=found.needed, counted_at=found.counted_at)
    if not found.counts:
        return page
    groups: dict[GroupKey, CommonProblem] = {}
    units: dict[tuple[GroupKey, int], UnitProblems] = {}
    for category_id, manifestation_id, ledger_id, code, name, number, description, lines in _first_ledgers_problems(
            scope, campaign, unit, found.counts, UNITS_SHOWN):
        key = (category_id, manifestation_id)
        group = groups.get(key)
        if group is None:
            category, manifestation = _line_objects(category_id, manifestation_id, lines)
            group = groups[key] = CommonProblem(category=category, manifestation=manifestation,
                                                unit_count=found.counts[key])
        shown = units.get((key, ledger_id))
        if shown is None:
            shown = units[(key, ledger_id)] = UnitProblems(ledger_id=ledger_id, name=name, code=code)
            group.units.append(shown)
        shown.problems.append((number, description))
    for measure in CommonMeasure.objects.filter(campaign=campaign, unit=unit):
        group = groups.get((measure.category_id, measure.manifestation_id))
        if group is not None:
            group.measure = measure
    page.problems = sorted(groups.values(), key=lambda group: (  # checklist order, a category's own group last
        group.category.order, group.manifestation is None, group.manifestation.order if group.manifestation else 0))
    return page


DESCRIPTION_SHOWN = 60  # the page shows a problem's description cut to this (`truncatechars`)


def _first_ledgers_problems(scope: Scope, campaign: Campaign, unit: OrgUnit, keys,
                            shown: int) -> list[tuple[int, int | None, int, str, str, int, str, list]]:
    """(category, manifestation, ledger, unit code, unit name, number, description cut to DESCRIPTION_SHOWN, the
    checklist lines' columns) of
    the problems of the common groups `keys` whose ledger is among the first `shown` of its group in tree order
    (unit path: the first page of the problem list the page links to, and the order an index gives), in the order
    the page shows them: unit code, path, number. Two statements: the first ledgers of each group, then their
    problems in those groups only, by ledger id (no join over the campaign's ledgers) and as values, not models
    (~400 problems at a county)."""
    first = _first_ledgers(_visible_below(scope, campaign, unit), keys, shown)
    # by the ledgers' ids, and their paths for the join to the ledgers (else a hash of all the campaign's)
    rows = (Problem.objects.filter(ledger_id__any=sorted({ledger for _c, _m, ledger, _path in first}),
                                   ledger__unit_path__any=sorted({path for *_key, path in first}),
                                   status=ProblemStatus.ACTIVE).filter(_group_condition(keys))
            .annotate(shown=Left("description", DESCRIPTION_SHOWN + 1))
            .order_by("ledger__unit__code", "unit_path", "number")
            .values_list("category_id", "manifestation_id", "ledger_id", "ledger__unit__code",
                         "ledger__unit__name", "number", "shown", *CATEGORY_FIELDS, *MANIFESTATION_FIELDS))
    shown_keys = {(category, manifestation, ledger) for category, manifestation, ledger, _path in first}
    return [(category, manifestation, ledger, code, name, number, _cut(description), lines)
            for category, manifestation, ledger, code, name, number, description, *lines in rows
            if (category, manifestation, ledger) in shown_keys]


# the checklist lines' fields the page and the answer form use, read with the problems (`_line_objects`)
CATEGORY_FIELDS = ("category__template_id", "category__order", "category__title")
MANIFESTATION_FIELDS = ("manifestation__order", "manifestation__text")


def _line_objects(category_id: int, manifestation_id: int | None,
                  lines: list) -> tuple[TemplateCategory, Manifestation | None]:
    """A group's category and manifestation, built from the columns read with its problems (the fields above;
    the others deferred), instead of two queries for them."""
    template_id, category_order, title, manifestation_order, text = lines
    category = TemplateCategory.from_db(None, ["id", "template_id", "order", "title"],
                                        [category_id, template_id, category_order, title])
    if manifestation_id is None:
        return category, None
    manifestation = Manifestation.from_db(None, ["id", "category_id", "order", "text"],
                                          [manifestation_id, category_id, manifestation_order, text])
    manifestation.category = category
    return category, manifestation


def _cut(text: str) -> str:
    """`truncatechars:DESCRIPTION_SHOWN`, without Truncator's character walk for a text that fits."""
    return text if len(text) <= DESCRIPTION_SHOWN else Truncator(text).chars(DESCRIPTION_SHOWN)


def _first_ledgers(problems: QuerySet[Problem], keys, shown: int) -> set[tuple[int, int | None, int, str]]:
    """(category, manifestation, ledger, unit path) of the first `shown` ledgers of each group, by unit path. PostgreSQL: one
    statement, the groups as a `VALUES` list each joined `LATERAL` to a bounded range on `problem_group_path`
    (stopped after `shown` ledgers: the rows read do not grow with the subtree). Planned once, where a `UNION
    ALL` of one part per group (31 at a county) took ~50 ms to plan and as long to build in Django. SQLite, which
    has no LATERAL (an embedded, small deployment): one window over the groups' rows."""
    if connection.vendor != "postgresql":
        rank = Window(DenseRank(), partition_by=[F("category_id"), F("manifestation_id")],
                      order_by=F("unit_path").asc())
        ranked = problems.filter(_group_condition(keys)).annotate(ledger_rank=rank).filter(ledger_rank__lte=shown)
        return set(ranked.values_list("category_id", "manifestation_id", "ledger_id", "unit_path").distinct())
    group = RawSQL('"g"."category_id"', ())  # noqa: S611 - the VALUES list's column, no input
    parts, params = [], []
    for with_manifestation in (True, False):
        chosen = [(category, manifestation) for category, manifestation in keys
                  if (manifestation is not None) == with_manifestation]
        if not chosen:
            continue
        if with_manifestation:
            inner = problems.filter(category_id=group, manifestation_id=RawSQL('"g"."manifestation_id"', ()))  # noqa: S611
            values, columns = ", ".join(["(%s, %s)"] * len(chosen)), "category_id, manifestation_id"
            params += [value for key in chosen for value in key]
        else:
            inner = problems.filter(category_id=group, manifestation_id__isnull=True)
            values, columns = ", ".join(["(%s)"] * len(chosen)), "category_id"
            params += [category for category, _manifestation in chosen]
        # ordered by the index's columns (equal to the group's but the path): DISTINCT needs no sort, the scan stops
        sql, inner_params = (inner.values_list("unit_path", "ledger_id")
                             .order_by("category_id", "manifestation_id", "unit_path")
                             .distinct("category_id", "manifestation_id", "unit_path")[:shown]
                             .query.sql_with_params())
        manifestation = '"g"."manifestation_id"' if with_manifestation else "NULL::bigint"
        # SQL compiled by Django, the values as parameters
        select = f'SELECT "g"."category_id", {manifestation}, "p"."ledger_id", "p"."unit_path" FROM'  # noqa: S608
        parts.append(f'{select} (VALUES {values}) AS "g"({columns}) CROSS JOIN LATERAL ({sql}) AS "p"')
        params += inner_params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {(category, manifestation, ledger, path) for category, manifestation, ledger, path in cursor.fetchall()}


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
