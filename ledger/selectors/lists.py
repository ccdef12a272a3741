"""Reads for 三单一账 — the problem list (问题清单), the task list (任务清单) and the responsibility list (责任清单)
of a selection of ledgers (one ledger, or a unit's subtree of a campaign, as `ledger/selectors/exports.py`
scopes them).

Each list is one query of plain rows (values_list, no model objects) in the sheet order of the 附件2 export: by
ledger (LEDGER_ORDER), category, problem number, measure number. The workbook streams them (`iterator`), the
pages take one page of them (`config.lists.page_of`).
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ledger.models import ItemStatus, Ledger, Problem, ProblemStatus, RectificationItem
from ledger.selectors.exports import LEDGER_ORDER

PROBLEM_FIELDS = ("ledger__unit__name", "category__order", "category__title", "description", "source", "nature",
                  "n_items", "n_closed")
ITEM_FIELDS = ("ledger__unit__name", "problem__description", "number", "measure", "is_ongoing", "deadline",
               "status", "closed_at", "responsible_unit", "responsible_name", "responsible_leader")


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
    """Every measure of the active problems of `ledgers`, with its problem's text and its unit's name."""
    return (
        RectificationItem.objects.filter(ledger__in=ledgers.values("pk"), problem__status=ProblemStatus.ACTIVE)
        .order_by(*(f"ledger__{field}" for field in LEDGER_ORDER), "problem__category__order", "problem__number",
                  "problem_id", "number")
        .values_list(*ITEM_FIELDS)
    )
