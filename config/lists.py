"""What every list page shares: its filters read from the query string, and one page of its rows.

One rule for the filters of every list (django-filter FilterSets, one per list, in the app's `filters.py`):
a value the list cannot use — a stale link, a hand-edited address — is ignored. The list shows as if that
filter were not set and the filter form shows "全部"; nothing the user typed is stored, so nothing is lost.
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
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


# Keyset pagination (issue 15). A list that can get deep (a province's million measures) pages by its order's
# values instead of an OFFSET: "next" asks for the rows after the last row shown, "previous" for the rows before
# the first, "last" for the first rows of the reverse order. Each page reads per_page + 1 rows along an index,
# wherever it is in the list. Its total is told (the tallies, for an unfiltered list) or counted up to a bound.
# A filtered list counts at most this many rows (+1, to know there are more). Each row counted goes through the
# list's joins (a measure's ledger and problem): 10,001 took 107 ms at 30k units, 1,001 about a tenth of it.
COUNT_LIMIT = 1_000
OFFSET_PAGES = 20  # an old "?page=N" link up to this page is still served by OFFSET; further ones show the end
CURSOR_PARAMS = ("page", "after", "before", "last")


@dataclass(frozen=True)
class Total:
    """How many rows a list has: exact, or "more than `n`" (bounded); `counted_at` when read from the tallies."""

    n: int
    bounded: bool = False
    counted_at: datetime.datetime | None = None


@dataclass(frozen=True)
class KeysetPage:
    """One page of a keyset-paginated list, for templates/includes/pagination.html."""

    object_list: list
    has_previous: bool
    has_next: bool
    previous_cursor: str
    next_cursor: str
    total: Total
    keyset = True

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def keyset_page_of(request: HttpRequest, rows: QuerySet, keys: tuple[str, ...], *, per_page: int | None = None,
                   total: Total | None = None) -> KeysetPage:
    """The page of `rows` in the order `keys` (model field paths, "-" for descending, the last one unique, such
    as "pk") that the query string asks for: `after=` / `before=` a cursor, `last=1`, or an old `page=N`
    (by OFFSET up to OFFSET_PAGES, the last page past that). `total`: when known without counting (the
    tallies); otherwise counted up to COUNT_LIMIT."""
    params, per_page = request.GET, per_page or PAGE_SIZE
    after = _rows_beyond(rows, keys, params.get("after", ""))
    before = _rows_beyond(rows, _reversed(keys), params.get("before", ""))
    number = params.get("page", "")
    number = int(number) if number.isdigit() else 1
    if after is not None:
        shown, more = _slice(after, per_page)
        has_previous, has_next = True, more
    elif before is not None:
        shown, more = _slice(before, per_page)
        shown.reverse()
        has_previous, has_next = more, True
    elif params.get("last") or number > OFFSET_PAGES:
        shown, has_previous, has_next = _last(rows, keys, per_page)
    else:
        offset = (max(number, 1) - 1) * per_page
        shown = list(rows.order_by(*keys)[offset:offset + per_page + 1])
        has_previous, has_next = number > 1, len(shown) > per_page
        shown = shown[:per_page]
        if not shown and number > 1:  # past the end, as Paginator.get_page: the last page
            shown, has_previous, has_next = _last(rows, keys, per_page)
    return KeysetPage(
        object_list=shown, has_previous=has_previous and bool(shown), has_next=has_next and bool(shown),
        previous_cursor=encode_cursor(shown[0], keys) if shown else "",
        next_cursor=encode_cursor(shown[-1], keys) if shown else "",
        total=total if total is not None else bounded_count(rows),
    )


def bounded_count(rows: QuerySet, limit: int | None = None) -> Total:
    """How many `rows`, reading at most limit + 1 of them: "more than 1,000" costs what 1,001 rows cost."""
    limit = limit or COUNT_LIMIT
    n = rows.order_by().values("pk")[:limit + 1].count()
    return Total(n=min(n, limit), bounded=n > limit)


def _rows_beyond(rows: QuerySet, keys: tuple[str, ...], cursor: str) -> QuerySet | None:
    """The rows after `cursor` in the order `keys`; None without a cursor or with one that is not ours (values
    of the wrong kind for the fields: a hand-edited address), and the list then shows its first page."""
    values = decode_cursor(cursor, keys)
    if values is None:
        return None
    try:
        return rows.filter(_beyond(keys, values)).order_by(*keys)
    except (ValidationError, ValueError, TypeError):
        return None


def _slice(rows: QuerySet, per_page: int) -> tuple[list, bool]:
    shown = list(rows[:per_page + 1])
    return shown[:per_page], len(shown) > per_page


def _last(rows: QuerySet, keys: tuple[str, ...], per_page: int) -> tuple[list, bool, bool]:
    """The last page: the first rows of the reverse order, shown in the list's order."""
    shown, more = _slice(rows.order_by(*_reversed(keys)), per_page)
    shown.reverse()
    return shown, more, False


def _reversed(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(key[1:] if key.startswith("-") else f"-{key}" for key in keys)


def _beyond(keys: tuple[str, ...], values: list) -> Q:
    """The rows after `values` in the order `keys`: (k1 > v1) or (k1 = v1 and k2 > v2) or …, and k1 ≥ v1 on its
    own so that an index on the first key starts at the cursor instead of filtering the whole range."""
    fields = [key.lstrip("-") for key in keys]
    ops = ["lt" if key.startswith("-") else "gt" for key in keys]
    condition = Q()
    for i, (field, op) in enumerate(zip(fields, ops, strict=True)):
        equal = {fields[j]: values[j] for j in range(i)}
        condition |= Q(**equal, **{f"{field}__{op}": values[i]})
    return Q(**{f"{fields[0]}__{ops[0]}e": values[0]}) & condition


def _value(row, key: str):
    if isinstance(row, tuple):  # a values_list(named=True) row: its fields are named by their paths
        return getattr(row, key.lstrip("-"))
    value = row
    for attribute in key.lstrip("-").split("__"):
        value = getattr(value, attribute)
    return value


def encode_cursor(row, keys: tuple[str, ...]) -> str:
    """A row's position in the order `keys`, for a link (base64 of its values as JSON)."""
    values = [_value(row, key) for key in keys]
    plain = [{"t": value.isoformat()} if isinstance(value, datetime.datetime)
             else {"d": value.isoformat()} if isinstance(value, datetime.date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, keys: tuple[str, ...]) -> list | None:
    """The values of a cursor; None when there is none or it is not one of ours (a hand-edited address): the
    list then shows its first page."""
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    try:
        return [_plain_value(value) for value in values]
    except (ValueError, TypeError, KeyError):
        return None


def _plain_value(value):
    if isinstance(value, dict):
        if "t" in value:
            return datetime.datetime.fromisoformat(value["t"])
        return datetime.date.fromisoformat(value["d"])
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(value)
    return value
