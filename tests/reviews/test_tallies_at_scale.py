"""The tally recount on a generated province (scale/generator.py at small sizes): only what changed is counted
again, the sums above stay right, and memory does not grow with the province."""

from __future__ import annotations

import datetime
import tracemalloc

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgUnit
from ledger.models import Campaign, ItemStatus, RectificationItem, SubtreeTally
from reviews.tallies import tallies_refresh
from scale.generator import Plan, ScaleGenerator, purge_scale_data

from .conftest import closed_with_event
from .test_tallies import NEVER, summary

pytestmark = pytest.mark.django_db


def figures() -> dict[tuple[int | None, str], tuple]:
    """Every tally row's figures, by campaign and unit."""
    names = ("ledgers", "handed_in", "accepted", "problems", "items", "closed", "overdue", "in_place",
             "statuses", "categories", "natures", "weekly", "stars", "units")
    return {(row[0], row[1]): row[2:] for row in
            SubtreeTally.objects.values_list("campaign_id", "unit__path", *names)}


def counted_at() -> dict[str, datetime.datetime]:
    return dict(SubtreeTally.objects.filter(campaign__isnull=False).values_list("unit__path", "counted_at"))


@pytest.fixture
def province():
    ScaleGenerator(Plan(units=3_000, items=6_000, seed=3)).run()
    tallies_refresh()
    return Campaign.objects.get()


def test_a_change_in_one_county_recounts_that_county_only_and_the_sums_stay_right(client, province, settings):
    counties = list(OrgUnit.objects.filter(depth=2).order_by("path"))
    assert len(counties) == 2
    before = counted_at()
    item = RectificationItem.objects.filter(ledger__campaign=province, unit_path__startswith=counties[1].path,
                                            ledger__unit__depth__gt=2).exclude(status=ItemStatus.CLOSED).first()
    closed_with_event(item, timezone.localdate(), None)

    written = tallies_refresh()[f"campaign {province.pk}"]
    after = counted_at()
    recounted = {path for path in after if after[path] != before.get(path)}
    assert recounted == {path for path in after if path.startswith(counties[1].path) or path.count("/") <= 2}
    assert written == len(recounted) and not any(path.startswith(counties[0].path) for path in recounted)

    partial = figures()
    tallies_refresh(full=True)
    assert figures() == partial  # the same as counting everything again

    settings.TALLY_MIN_LEDGERS = 1
    client.force_login(get_user_model().objects.get(username="scale_province"))
    url = reverse("reviews:dashboard", args=[province.pk])
    tallied = client.get(url).context
    settings.TALLY_MIN_LEDGERS = NEVER
    live = client.get(url).context
    assert tallied["counted_at"] is not None and live["counted_at"] is None
    assert summary(tallied) == summary(live)


def peak_of_a_full_recount() -> int:
    tracemalloc.start()
    try:
        tallies_refresh(full=True)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_recounts_memory_does_not_grow_with_the_province():
    peaks = []
    for units, items in ((2_000, 4_000), (8_000, 16_000)):
        ScaleGenerator(Plan(units=units, items=items, seed=5)).run()
        tallies_refresh(full=True)  # the first run warms caches (templates, translations) that stay anyway
        peaks.append(peak_of_a_full_recount())
        purge_scale_data()
    assert peaks[1] < 2 * peaks[0], peaks
