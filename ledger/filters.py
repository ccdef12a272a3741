"""The filters of the ledger lists, one FilterSet per list (the rule for unusable values: `config.lists`)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from config.lists import IntegerFilter, ListFilterSet
from ledger.models import LedgerStatus
from ledger.selectors.periodic import CELL_STATES, in_state

# The columns a general branch's ledger list sorts by ("-" first: descending), each with its tie-breaker, in tree
# order either way: the ledger's own columns by its path, the stored figures (annotated on the rows by
# `ledger.selectors.workflow.campaign_ledger_rows`) by their copy of the path, so that the (campaign, column,
# unit_path) indexes — one with the path ascending, one descending — serve "ORDER BY … LIMIT 51" as they are,
# at both ends of the list.
LEDGER_SORTS = {
    "unit": ("unit_path",), "status": ("status", "unit_path"),
    **{key: (name, "figures_path") for key, name in (
        ("problems", "n_problems"), ("items", "n_items"), ("closed", "n_closed"), ("overdue", "n_overdue"),
        ("changed", "last_change"))},
}
FIGURE_COLUMNS = {"n_problems", "n_items", "n_closed", "n_overdue", "last_change"}


def ledger_order(sort: str) -> tuple[str, ...]:
    """The list's order for `sort` (a LEDGER_SORTS key, "-" for descending; "" is tree order), ending with the
    primary key: the keyset of its pages (`config.lists.keyset_page_of`)."""
    column, *tie = LEDGER_SORTS[sort.lstrip("-") or "unit"]
    return (f"-{column}" if sort.startswith("-") else column, *tie, "pk")


class CampaignLedgerFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(choices=LedgerStatus.choices)
    sort = django_filters.ChoiceFilter(choices=[(order, order) for key in LEDGER_SORTS for order in (key, f"-{key}")],
                                       method="sort_by")

    def __init__(self, data=None, queryset=None, *, figures_subtree=None, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.figures_subtree = figures_subtree  # narrows rows to the viewer's subtree on the figures' own columns

    @property
    def order(self) -> tuple[str, ...]:
        return ledger_order(self.values["sort"] or "")

    def sort_by(self, rows: QuerySet, name: str, value: str) -> QuerySet:
        if LEDGER_SORTS[value.lstrip("-")][0] in FIGURE_COLUMNS and self.figures_subtree is not None:
            rows = self.figures_subtree(rows)
        return rows.order_by(*ledger_order(value))


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
