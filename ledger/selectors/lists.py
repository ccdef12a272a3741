"""Reads for 三单一账 — the problem list (问题清单), the task list (任务清单) and the responsibility list (责任清单)
of a selection of ledgers (one ledger, or a unit's subtree of a campaign, as `ledger/selectors/exports.py`
scopes them).

The workbook and a ledger's own pages read each list as one query of plain rows (values_list, no model objects)
in the sheet order of the 附件2 export: by ledger (LEDGER_ORDER), category, problem number, measure number; the
workbook streams them (`iterator`).

The pages of a unit's subtree or of the whole campaign (a province's million measures) page by keyset
(`config.lists.keyset_page_of`) in tree order (`PROBLEM_ORDER`, `ITEM_ORDER`: the unit path first, which the
problem_path_order / item_path_order indexes give in order, then within one unit by category and number). Their
rows are named plain rows (values_list(named=True): the columns' fields, then the order's for the cursor) joined
to what the columns show (the unit, the problem, the category, the phase): 51 rows as model objects were six
objects each, 4 ms of a page's CPU. The problems' measure counts are one grouped read of the page's problems
(`item_counts`), not a subquery per row. Each page's rows become the same plain rows as the workbook's
(`problem_rows`, `item_rows`).
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import OrgUnit
from branches.selectors import Action, Scope
from config.lists import Total
from ledger.models import Campaign, ItemStatus, Ledger, Problem, ProblemStatus, RectificationItem
from ledger.selectors.exports import LEDGER_ORDER
from ledger.selectors.tallies import usable_tally

PROBLEM_FIELDS = ("ledger__unit__name", "category__order", "category__title", "description", "source", "nature",
                  "n_items", "n_closed")
ITEM_FIELDS = ("ledger__unit__name", "problem__description", "number", "measure", "is_ongoing", "deadline",
               "status", "closed_at", "responsible_unit", "responsible_name", "responsible_leader", "phase__name")

# The subtree pages' orders (keyset): tree order, then each unit's rows as its ledger lists them; pk last.
PROBLEM_ORDER = ("unit_path", "category__order", "number", "pk")
ITEM_ORDER = ("unit_path", "problem__category__order", "problem__number", "number", "pk")


def _items_of_problem(condition: Q | None = None) -> Coalesce:
    """A correlated count of the outer problem's measures (no join fan-out)."""
    counted = (RectificationItem.objects.filter(condition or Q(), problem_id=OuterRef("pk")).order_by()
               .values("problem_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def problem_list_rows(ledgers: QuerySet[Ledger]) -> QuerySet:
    """Every active problem of `ledgers` with its measure and closed-measure counts (for its 状态)."""
    return (
        Problem.objects.filter(ledger__in=ledgers.values("pk"), status=ProblemStatus.ACTIVE)
        .annotate(n_items=_items_of_problem(), n_closed=_items_of_problem(Q(status=ItemStatus.CLOSED)))
        .order_by(*(f"ledger__{field}" for field in LEDGER_ORDER), "category__order", "number", "pk")
        .values_list(*PROBLEM_FIELDS)
    )


def item_list_rows(ledgers: QuerySet[Ledger]) -> QuerySet:
    """Every measure of the active problems of `ledgers`, with its problem's text, its unit's name and its
    phase's."""
    return (
        RectificationItem.objects.filter(ledger__in=ledgers.values("pk"), problem__status=ProblemStatus.ACTIVE)
        .order_by(*(f"ledger__{field}" for field in LEDGER_ORDER), "problem__category__order", "problem__number",
                  "problem_id", "number")
        .values_list(*ITEM_FIELDS)
    )


def _in_subtree(queryset: QuerySet, *, scope: Scope, unit: OrgUnit | None) -> QuerySet:
    """`queryset` under `unit` (a range of the path index; None: the whole campaign) that `scope` may view."""
    if unit is not None:
        queryset = queryset.filter(unit_path__startswith=unit.path)
    return scope.filter(queryset, Action.VIEW, "unit_path")


def _with_keys(fields: tuple[str, ...], order: tuple[str, ...]) -> tuple[str, ...]:
    """`fields`, then those of the keyset `order` not among them: a page's row shows the first, its cursor reads
    the others by name (`config.lists.encode_cursor`)."""
    return (*fields, *(key.lstrip("-") for key in order if key.lstrip("-") not in fields))


PROBLEM_PAGE_FIELDS = _with_keys(("pk", *PROBLEM_FIELDS[:-2]), PROBLEM_ORDER)
ITEM_PAGE_FIELDS = _with_keys(ITEM_FIELDS, ITEM_ORDER)


def subtree_problems(*, scope: Scope, campaign: Campaign, unit: OrgUnit | None) -> QuerySet:
    """The campaign's active problems under `unit` in tree order (`PROBLEM_ORDER`), with their units and
    categories, as named rows (`PROBLEM_PAGE_FIELDS`): the problem list of a subtree, a page at a time."""
    problems = Problem.objects.filter(ledger__campaign=campaign, status=ProblemStatus.ACTIVE)
    return (_in_subtree(problems, scope=scope, unit=unit).order_by(*PROBLEM_ORDER)
            .values_list(*PROBLEM_PAGE_FIELDS, named=True))


def subtree_items(*, scope: Scope, campaign: Campaign, unit: OrgUnit | None) -> QuerySet:
    """The measures of the campaign's active problems under `unit` in tree order (`ITEM_ORDER`), with their
    units, problems and phases, as named rows (`ITEM_PAGE_FIELDS`): the task and responsibility lists of a
    subtree, a page at a time."""
    items = RectificationItem.objects.filter(ledger__campaign=campaign, problem__status=ProblemStatus.ACTIVE)
    return (_in_subtree(items, scope=scope, unit=unit).order_by(*ITEM_ORDER)
            .values_list(*ITEM_PAGE_FIELDS, named=True))


def item_counts(problem_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each problem's measures and closed measures: one grouped read of a page's problems."""
    counted = (RectificationItem.objects.filter(problem_id__in=problem_ids).order_by().values("problem_id")
               .annotate(n=Count("pk"), closed=Count("pk", filter=Q(status=ItemStatus.CLOSED))))
    return {row["problem_id"]: (row["n"], row["closed"]) for row in counted}


def problem_rows(problems: list) -> list[tuple]:
    """A page of `subtree_problems` as the workbook's plain rows (PROBLEM_FIELDS)."""
    counts = item_counts([problem.pk for problem in problems]) if problems else {}
    width = len(PROBLEM_FIELDS) - 2
    return [(*problem[1:1 + width], *counts.get(problem.pk, (0, 0))) for problem in problems]


def item_rows(items: list) -> list[tuple]:
    """A page of `subtree_items` as the workbook's plain rows (ITEM_FIELDS)."""
    width = len(ITEM_FIELDS)
    return [tuple(item[:width]) for item in items]


def tallied_total(*, campaign: Campaign, unit: OrgUnit | None, figure: str) -> Total | None:
    """A subtree list's total from the tallies (`figure`: "problems" or "items", counted as the lists count:
    active problems, their measures) with when it was counted; None when `unit`'s subtree (None: the issuer's,
    the whole campaign) has no usable tally, and the page then counts, bounded."""
    tally = usable_tally(campaign=campaign, unit=unit or campaign.issuer, today=timezone.localdate())
    return Total(n=getattr(tally, figure), counted_at=tally.counted_at) if tally else None
