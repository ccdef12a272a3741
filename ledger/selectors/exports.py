"""Reads for the 附件2 exports: the ledgers of a selection, their rows and their counts, all streamed.

The rows come from one query (problems LEFT JOIN their measures) ordered so that the writer can walk
them once beside the ledgers: by ledger (in LEDGER_ORDER), category order, problem number, measure number. Nothing is loaded
per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import OrgUnit, UnitKind
from branches.selectors import Action, Scope
from ledger.models import (
    Campaign,
    CampaignStatus,
    ItemStatus,
    Ledger,
    Problem,
    ProblemNature,
    ProblemStatus,
    RectificationItem,
    overdue_condition,
)
from ledger.selectors.campaigns import level_below, reached_units

CHUNK = 2000
# Sheet order: grouped by parent (so a general branch's branches are contiguous), then by unit code, which
# reads as the organization's own numbering (the path holds primary keys and sorts "10" before "9").
LEDGER_ORDER = ("unit__parent__code", "unit__code", "pk")


def _ledgers_in_scope(scope: Scope):
    """The campaign's ledgers `scope` may view, correlated to an outer campaign."""
    return scope.filter(Ledger.objects.filter(campaign_id=OuterRef("pk")), Action.VIEW, path_field="unit_path")


def _with_ledgers_in_scope(campaigns: QuerySet[Campaign], scope: Scope) -> QuerySet[Campaign]:
    """The campaigns `scope` sees at least one ledger of: the first such ledger looked up per campaign (one probe
    of the (campaign, path) index each). Written as EXISTS, PostgreSQL turned it into a join and read every
    ledger of the scope first (274k for the province, an 80 ms statement at 300k units)."""
    first = Subquery(_ledgers_in_scope(scope).order_by().values("pk")[:1])
    return campaigns.alias(first_ledger_in_scope=first).filter(first_ledger_in_scope__isnull=False)


def export_campaign(*, scope: Scope, pk: int) -> Campaign | None:
    """The campaign if `scope` sees at least one of its ledgers, else None."""
    return _with_ledgers_in_scope(Campaign.objects.select_related("template", "issuer").filter(pk=pk), scope).first()


def export_campaigns(*, scope: Scope, limit: int = 50) -> QuerySet[Campaign]:
    """The latest published or closed campaigns `scope` has ledgers in, for the export index."""
    return (_with_ledgers_in_scope(Campaign.objects.exclude(status=CampaignStatus.DRAFT), scope)
            .select_related("issuer").order_by("-year", "-pk")[:limit])


def export_own_ledgers(*, scope: Scope, campaign: Campaign) -> QuerySet[Ledger]:
    """The campaign's ledgers of the units where the viewer holds a role."""
    return export_ledgers(scope=scope, campaign=campaign).filter(unit_path__in=list(scope.units))


def export_units(*, scope: Scope, campaign: Campaign, focus: OrgUnit | None) -> list[OrgUnit]:
    """One level of the units above branches with ledgers of the campaign below them, each a subtree export:
    those directly under `focus` (None: the top of the viewer's part, `level_below`). A city lists its
    counties, not its thousands of general branches (issue 15); the rest is a drill-down away."""
    level = level_below(scope=scope, campaign=campaign, focus=focus)
    return list(reached_units(campaign=campaign, units=level, below_only=True))


def export_branch_ledgers_below(*, scope: Scope, campaign: Campaign, focus: OrgUnit | None,
                                limit: int) -> QuerySet[Ledger]:
    """The ledgers of the branches directly under `focus` (None: under the viewer's own units), other than
    the viewer's own units': one general branch's branches at a time, downloaded at once."""
    parents = [focus.path] if focus else [grant.path for grant in scope.grants]
    return (export_ledgers(scope=scope, campaign=campaign).exclude(unit_path__in=list(scope.units))
            .filter(unit__kind=UnitKind.BRANCH, unit__parent__path__in=parents)[:limit])


def export_focus_find(*, scope: Scope, pk: int) -> OrgUnit | None:
    """A unit above branches the viewer sees, to list the level under it; else None (404)."""
    return scope.filter(OrgUnit.objects.exclude(kind=UnitKind.BRANCH), Action.VIEW).filter(pk=pk).first()


def export_one_ledger(*, scope: Scope, ledger: Ledger) -> QuerySet[Ledger]:
    """`ledger` alone, as the selection of its own 附件2."""
    return export_ledgers(scope=scope, campaign=ledger.campaign, unit=ledger.unit).filter(pk=ledger.pk)


def export_unit(*, scope: Scope, pk: int) -> OrgUnit | None:
    """A unit `scope` may view, whose subtree may be exported, else None."""
    return scope.filter(OrgUnit.objects.all(), Action.VIEW).filter(pk=pk).first()


def export_ledgers(*, scope: Scope | None, campaign: Campaign, unit: OrgUnit | None = None) -> QuerySet[Ledger]:
    """The campaign's ledgers in `unit`'s subtree that `scope` may view (all of them when scope is None:
    the command line), in sheet order."""
    ledgers = Ledger.objects.filter(campaign=campaign)
    if unit is not None:
        ledgers = ledgers.filter(unit_path__startswith=unit.path)
    if scope is not None:
        ledgers = scope.filter(ledgers, Action.VIEW, path_field="unit_path")
    return ledgers.select_related("unit", "unit__parent").order_by(*LEDGER_ORDER)


class ExportRow(NamedTuple):  # a tuple: 83k of them for a county, made as fast as the rows arrive
    """One measure of one problem (or a problem without measures: item fields None)."""

    ledger_id: int
    category_id: int
    problem_id: int
    description: str
    item_number: int | None
    measure: str | None
    is_ongoing: bool | None
    deadline: object
    responsible_name: str | None
    responsible_leader: str | None
    responsible_unit: str | None
    status: str | None
    closed_at: object


_ROW_FIELDS = (
    "ledger_id", "category_id", "pk", "description", "items__number", "items__measure", "items__is_ongoing",
    "items__deadline", "items__responsible_name", "items__responsible_leader", "items__responsible_unit",
    "items__status", "items__closed_at",
)


def export_rows(ledgers: QuerySet[Ledger]) -> Iterator[ExportRow]:
    """Every active problem of `ledgers` with each of its measures, in sheet order, streamed."""
    rows = (
        Problem.objects.filter(ledger__in=ledgers.values("pk"), status=ProblemStatus.ACTIVE)
        .order_by(*(f"ledger__{field}" for field in LEDGER_ORDER), "category__order", "number", "pk",
                  "items__number")
        .values_list(*_ROW_FIELDS)
    )
    for values in rows.iterator(chunk_size=CHUNK):
        yield ExportRow(*values)


def export_row_count(ledgers: QuerySet[Ledger]) -> int:
    """How many rows `export_rows` will yield (for progress reporting)."""
    problems = Problem.objects.filter(ledger__in=ledgers.values("pk"), status=ProblemStatus.ACTIVE)
    with_items = RectificationItem.objects.filter(problem__in=problems).count()
    without_items = problems.filter(items__isnull=True).count()
    return with_items + without_items


class LedgerHead(NamedTuple):
    """What a sheet needs of a ledger: its unit's name and kind, and the unit's parent."""

    pk: int
    unit_name: str
    parent_id: int | None
    parent_name: str
    unit_kind: str
    unit_kind_name: str


HEAD_FIELDS = ("pk", "unit__name", "unit__parent_id", "unit__parent__name", "unit__kind", "unit__kind_name")


def ledger_heads(ledgers: QuerySet[Ledger]) -> Iterator[LedgerHead]:
    """`ledgers` as plain rows, streamed (no model objects: a county has 11k ledgers)."""
    for values in ledgers.values_list(*HEAD_FIELDS).iterator(chunk_size=CHUNK):
        yield LedgerHead(values[0], values[1], values[2], values[3] or "", values[4], values[5])


def _count(queryset: QuerySet) -> Subquery:
    counted = queryset.order_by().values("ledger_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def has_common_problems(ledgers: QuerySet[Ledger]) -> bool:
    """Whether any of `ledgers` recorded an active common problem (共性问题): the summary then counts both natures."""
    return Problem.objects.filter(ledger__in=ledgers.order_by().values("pk"), status=ProblemStatus.ACTIVE,
                                  nature=ProblemNature.COMMON).exists()


def ledger_summaries(ledgers: QuerySet[Ledger], *, natures: bool = False) -> Iterator[tuple]:
    """Per ledger: its head, status, and problem, measure, closed, open and overdue counts, streamed; with
    `natures`, then its individual and common problems (个性问题、共性问题).

    The counts come from two grouped statements (problems, measures), held per ledger id while the ledgers stream:
    five to seven correlated subqueries per ledger took 0.8 s of the database for a county's 8k ledgers, as long as
    writing its 30k rows (scale bench)."""
    today = timezone.localdate()
    in_ledgers = ledgers.values("pk")
    problems = (Problem.objects.filter(ledger__in=in_ledgers, status=ProblemStatus.ACTIVE).order_by()
                .values("ledger_id").annotate(n=Count("pk"),
                                              individual=Count("pk", filter=Q(nature=ProblemNature.INDIVIDUAL)),
                                              common=Count("pk", filter=Q(nature=ProblemNature.COMMON)))
                .values_list("ledger_id", "n", "individual", "common"))
    items = (RectificationItem.objects.filter(ledger__in=in_ledgers, problem__status=ProblemStatus.ACTIVE)
             .order_by().values("ledger_id")
             .annotate(n=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
                       open=Count("pk", filter=~Q(status=ItemStatus.CLOSED)),
                       overdue=Count("pk", filter=overdue_condition(today)))
             .values_list("ledger_id", "n", "closed", "open", "overdue"))
    problem_counts = {ledger_id: counts for ledger_id, *counts in problems}
    item_counts = {ledger_id: counts for ledger_id, *counts in items}
    no_problems, no_items = [0, 0, 0], [0, 0, 0, 0]
    for *head, status in ledgers.values_list(*HEAD_FIELDS, "status").iterator(chunk_size=CHUNK):
        pk, unit_name, parent_id, parent_name, kind, kind_name = head
        n_problems, n_individual, n_common = problem_counts.get(pk, no_problems)
        counts = [n_problems, *item_counts.get(pk, no_items)] + ([n_individual, n_common] if natures else [])
        yield LedgerHead(pk, unit_name, parent_id, parent_name or "", kind, kind_name), status, counts


# --- the 按阶段 sheet: a campaign's measures by the phase they belong to ------------------------------------


def _exported_items(ledgers: QuerySet[Ledger]) -> QuerySet[RectificationItem]:
    return RectificationItem.objects.filter(ledger__in=ledgers.values("pk"), problem__status=ProblemStatus.ACTIVE)


def export_uses_phases(ledgers: QuerySet[Ledger]) -> bool:
    """True when some measure of the ledgers has been put in a phase (one query)."""
    return _exported_items(ledgers).filter(phase__isnull=False).exists()


class PhaseTotals(NamedTuple):
    name: str | None  # None: the measures in no phase
    starts_on: object
    ends_on: object
    items: int
    closed: int
    overdue: int


def export_phase_totals(ledgers: QuerySet[Ledger]) -> list[PhaseTotals]:
    """Measures, closed and overdue per phase (in the campaign's order, those in no phase last): one query."""
    rows = (_exported_items(ledgers).order_by(F("phase__order").asc(nulls_last=True))
            .values_list("phase__order", "phase__name", "phase__starts_on", "phase__ends_on")
            .annotate(items=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
                      overdue=Count("pk", filter=overdue_condition(timezone.localdate()))))
    return [PhaseTotals(*row[1:]) for row in rows]


class PhaseItemRow(NamedTuple):
    phase_name: str | None
    unit_name: str
    problem_number: int
    item_number: int
    measure: str
    is_ongoing: bool
    deadline: object
    responsible_name: str
    status: str


def export_phase_items(ledgers: QuerySet[Ledger]) -> Iterator[PhaseItemRow]:
    """Every measure by phase, then by unit in sheet order, problem and measure number (streamed)."""
    rows = (_exported_items(ledgers)
            .order_by(F("phase__order").asc(nulls_last=True), *(f"ledger__{name}" for name in LEDGER_ORDER),
                      "problem__number", "number")
            .values_list("phase__name", "ledger__unit__name", "problem__number", "number", "measure", "is_ongoing",
                         "deadline", "responsible_name", "status"))
    for row in rows.iterator(chunk_size=CHUNK):
        yield PhaseItemRow(*row)


# -- one ZIP of per-unit workbooks (ledger/zip_exports.py) ------------------------------------------------------

LEVEL_SAMPLE = 200  # units read per level to name its kinds and to step down to the next one


def path_depth(path: str) -> int:
    """The depth of a unit from its path ("1/5/23/" → 2), as `OrgUnit.depth` holds it."""
    return path.count("/") - 1


def zip_roots(*, scope: Scope | None, campaign: Campaign) -> list[OrgUnit]:
    """The units a whole-campaign ZIP starts from: the campaign's issuer when the viewer sees it (or no scope: the
    command line), else each outermost unit of the viewer's below the issuer. Few rows: one per role held."""
    issuer = campaign.issuer
    if scope is None or scope.can(Action.VIEW, issuer):
        return [issuer]
    paths = sorted(path for path in scope.units if path.startswith(issuer.path))
    outermost = [path for path in paths if not any(other != path and path.startswith(other) for other in paths)]
    return list(OrgUnit.objects.filter(path__in=outermost).order_by("path"))


def zip_levels(roots: list[OrgUnit]) -> list[tuple[int, list[str]]]:
    """The levels below `roots` (depth, the names of the kinds found there), read downward through a sample of each
    level's units that have units below them (a parent-key lookup: a few queries whatever the tree's size)."""
    found: dict[int, list[str]] = {}
    for root in roots:
        parents, depth = [root.pk], root.depth
        while parents:
            depth += 1
            # the sampled parents as one array (`__any`): 200 placeholders were a third of the page's CPU
            children = OrgUnit.objects.filter(parent_id__any=parents).order_by()
            sample = list(children.values_list("kind", "kind_name")[:LEVEL_SAMPLE])
            names = found.setdefault(depth, []) if sample else []
            # each (kind, name) once, in the sample's order: 200 units are a few kinds, and each kind's label
            # translated per unit was a third of the export page's CPU
            for kind, kind_name in dict.fromkeys(sample):
                name = str(kind_name or UnitKind(kind).label)
                if name not in names:
                    names.append(name)
            parents = list(children.exclude(kind=UnitKind.BRANCH).values_list("pk", flat=True)[:LEVEL_SAMPLE])
    return sorted(found.items())


def ledger_sizes(ledgers: QuerySet[Ledger]) -> Iterator[tuple[str, int]]:
    """(unit path, rows of its 附件2) of each of `ledgers`, in path order: a unit's subtree comes contiguously.
    One query, streamed; the rows are what `export_rows` yields for the ledger."""
    items = RectificationItem.objects.filter(ledger_id=OuterRef("pk"), problem__status=ProblemStatus.ACTIVE)
    bare = Problem.objects.filter(ledger_id=OuterRef("pk"), status=ProblemStatus.ACTIVE, items__isnull=True)
    rows = (ledgers.order_by("unit_path").annotate(n_items=_count(items), n_bare=_count(bare))
            .values_list("unit_path", "n_items", "n_bare"))
    for path, n_items, n_bare in rows.iterator(chunk_size=CHUNK):
        yield path, n_items + n_bare


def ledger_unit_paths(ledgers: QuerySet[Ledger]) -> Iterator[str]:
    """The unit path of each of `ledgers`, in path order, streamed."""
    return ledgers.order_by("unit_path").values_list("unit_path", flat=True).iterator(chunk_size=CHUNK)
