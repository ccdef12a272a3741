"""The filters of the ledger lists, one FilterSet per list (the rule for unusable values: `config.lists`)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from config.lists import IntegerFilter, ListFilterSet
from ledger.models import LedgerStatus
from ledger.selectors.periodic import CELL_STATES, in_state

# The columns a general branch's ledger list sorts by ("-" first: descending), each with its tie-breaker: the
# ledger's own columns in tree order, the stored figures (`ledger.selectors.workflow.campaign_ledger_rows`) by
# their copy of the path, so that (campaign, figure, unit_path) indexes serve "ORDER BY … LIMIT 50" as they are.
LEDGER_SORTS = {
    "unit": ("unit_path",), "status": ("status", "unit_path"),
    **{key: (f"figures__{name}", "figures__unit_path") for key, name in (
        ("problems", "problems"), ("items", "items"), ("closed", "closed"), ("overdue", "overdue"),
        ("changed", "last_change"))},
}


class CampaignLedgerFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(choices=LedgerStatus.choices)
    sort = django_filters.ChoiceFilter(choices=[(order, order) for key in LEDGER_SORTS for order in (key, f"-{key}")],
                                       method="sort_by")

    def __init__(self, data=None, queryset=None, *, figures_subtree=None, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.figures_subtree = figures_subtree  # narrows rows to the viewer's subtree on the figures' own columns

    def sort_by(self, rows: QuerySet, name: str, value: str) -> QuerySet:
        column, *tie = LEDGER_SORTS[value.lstrip("-")]  # ties stay in tree order either way
        if column.startswith("figures__") and self.figures_subtree is not None:
            rows = self.figures_subtree(rows)
        return rows.order_by(f"-{column}" if value.startswith("-") else column, *tie)


class WhoReportedFilter(ListFilterSet):
    """The who-reported table: the units whose report for one period is in one state (without a period given:
    the current one, which the view passes in)."""

    period = IntegerFilter(method="keep")
    state = django_filters.ChoiceFilter(choices=CELL_STATES, method="keep")

    def __init__(self, data=None, queryset=None, *, period_ids: list[int], default_period: int | None,
                 **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.period_ids, self.default_period = period_ids, default_period

    @property
    def chosen_period(self) -> int | None:
        """The period asked for when it is one of the campaign's, else the current one."""
        asked = self.values["period"]
        return asked if asked in self.period_ids else self.default_period

    def keep(self, rows: QuerySet, name: str, value) -> QuerySet:
        return rows  # applied together in filter_queryset: a state means nothing without its period

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        state = self.values["state"]
        if state and self.chosen_period:
            queryset = in_state(queryset, self.chosen_period, state)
        return queryset
