"""Helpers shared by the reviews views: paging, the campaign and unit a page is about, error text."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest

from branches.selectors import scope_for
from reviews import selectors

PAGE_SIZE = 50


def page_of(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def campaign_and_focus(request: HttpRequest, pk: int):
    scope = scope_for(request.user)
    campaign = selectors.campaign_for(scope=scope, pk=pk)
    focus = selectors.focus_unit(scope=scope, campaign=campaign,
                                 unit_pk=selectors.int_or_none(request.GET.get("unit")))
    return scope, campaign, focus

