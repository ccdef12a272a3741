"""The filters of the ledger lists, one FilterSet per list (the rule for unusable values: `config.lists`)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from config.lists import ListFilterSet
from ledger.models import LedgerStatus

# The columns a general branch's ledger list sorts by ("-" first: descending), and the annotation behind each
# (`ledger.selectors.workflow.campaign_ledger_rows`).
LEDGER_SORTS = {
    "unit": "unit_path", "status": "status", "problems": "n_problems", "items": "n_items",
    "closed": "n_closed", "overdue": "n_overdue", "changed": "last_change",
}


class CampaignLedgerFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(choices=LedgerStatus.choices)
    sort = django_filters.ChoiceFilter(choices=[(order, order) for key in LEDGER_SORTS for order in (key, f"-{key}")],
                                       method="sort_by")

    def sort_by(self, rows: QuerySet, name: str, value: str) -> QuerySet:
        column = LEDGER_SORTS[value.lstrip("-")]
        return rows.order_by(f"-{column}" if value.startswith("-") else column, "unit_path")
