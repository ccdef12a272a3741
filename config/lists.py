"""What every list page shares: its filters read from the query string, and one page of its rows.

One rule for the filters of every list (django-filter FilterSets, one per list, in the app's `filters.py`):
a value the list cannot use — a stale link, a hand-edited address — is ignored. The list shows as if that
filter were not set and the filter form shows "全部"; nothing the user typed is stored, so nothing is lost.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


class IntegerFilter(django_filters.Filter):
    """An id or a number from the query string ("3"); anything else is not a value (NumberFilter takes "3.5")."""

    field_class = forms.IntegerField


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet that is always bound (an empty query string filters nothing) and tells the page its values."""

    def __init__(self, data=None, queryset=None, **kwargs) -> None:
        super().__init__(data if data is not None else {}, queryset=queryset, **kwargs)

    @property
    def values(self) -> dict:
        """Each filter's usable value ("" or None when unset or not usable), for the filter form to show."""
        self.form.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: cleaned.get(name) for name in self.filters}


def page_of(request: HttpRequest, rows, per_page: int = PAGE_SIZE, paginator_class=Paginator) -> Page:
    """The page of `rows` the query string asks for (the last page when past it, the first when not a number).
    Its links come from templates/includes/pagination.html, which keeps the other query parameters."""
    return paginator_class(rows, per_page).get_page(request.GET.get("page"))
