"""A stale tally whose subtree changed: the province's and a city's pages count live only the changed county and
take every other county from its stored rows, and still show exactly the live figures (scale/generator.py)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgUnit
from config.lists import COUNT_LIMIT, Total
from ledger.models import Campaign, ItemStatus, Ledger, Phase, RectificationItem, SubtreeTally
from reviews.tallies import tallies_refresh
from scale.generator import Plan, ScaleGenerator

from .conftest import closed_with_event
from .test_tallies import NEVER, summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(settings):
    ScaleGenerator(Plan(units=3_000, items=6_000, seed=3)).run()
    tallies_refresh()
    settings.TALLY_MIN_LEDGERS = 1
    return Campaign.objects.get()


@pytest.fixture
def viewer(client, province):
    client.force_login(get_user_model().objects.get(username="scale_province"))
    return client


def counties() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(depth=2).order_by("path"))


def age_tallies() -> None:
    SubtreeTally.objects.update(counted_at=timezone.now() - datetime.timedelta(hours=2))


def close_one_item_in(campaign: Campaign, county: OrgUnit) -> None:
    item = RectificationItem.objects.filter(ledger__campaign=campaign, unit_path__startswith=county.path,
                                            ledger__unit__depth__gt=2).exclude(status=ItemStatus.CLOSED).first()
    closed_with_event(item, timezone.localdate(), None)


def dashboard_url(campaign: Campaign, unit: OrgUnit | None = None) -> str:
    return reverse("reviews:dashboard", args=[campaign.pk]) + (f"?unit={unit.pk}" if unit else "")


def test_a_stale_tally_with_one_changed_county_shows_exactly_the_live_figures(viewer, province, settings):
    changed, unchanged = counties()[1], counties()[0]
    age_tallies()
    close_one_item_in(province, changed)
    live_totals = []
    for focus in (OrgUnit.objects.get(depth=0), changed.parent):  # the province, the changed county's city
        settings.TALLY_MIN_LEDGERS = 1
        tallied = viewer.get(dashboard_url(province, focus)).context
        settings.TALLY_MIN_LEDGERS = NEVER
        live = viewer.get(dashboard_url(province, focus)).context
        assert tallied["counted_at"] is not None and live["counted_at"] is None
        assert summary(tallied) == summary(live)
        live_totals.append(live["total"].ledgers)

    # the unchanged county is read from its stored row, not counted again; the changed one is counted live
    settings.TALLY_MIN_LEDGERS = 1
    SubtreeTally.objects.filter(campaign=province, unit=unchanged).update(ledgers=F("ledgers") + 1000)
    SubtreeTally.objects.filter(campaign=province, unit=changed).update(ledgers=F("ledgers") + 5000)
    assert viewer.get(dashboard_url(province)).context["total"].ledgers == live_totals[0] + 1000


def put_measures_in_phases(campaign: Campaign) -> None:
    """A third of the measures in the first phase, a third in the second, the rest in none; counted again."""
    first, second = Phase.objects.filter(campaign=campaign).order_by("order")[:2]
    pks = list(RectificationItem.objects.filter(ledger__campaign=campaign).order_by("pk").values_list("pk", flat=True))
    RectificationItem.objects.filter(pk__in=pks[::3]).update(phase=first)
    RectificationItem.objects.filter(pk__in=pks[1::3]).update(phase=second)
    tallies_refresh(full=True)


def test_measures_by_phase_of_a_stale_changed_tally_equal_the_live_count(viewer, province, settings):
    put_measures_in_phases(province)
    age_tallies()
    close_one_item_in(province, counties()[1])
    for focus in (OrgUnit.objects.get(depth=0), counties()[1].parent):
        settings.TALLY_MIN_LEDGERS = 1
        tallied = viewer.get(dashboard_url(province, focus)).context
        settings.TALLY_MIN_LEDGERS = NEVER
        live = viewer.get(dashboard_url(province, focus)).context
        assert tallied["counted_at"] is not None and live["counted_at"] is None
        assert tallied["by_phase"] == live["by_phase"] and len(live["by_phase"]) >= 3


def test_the_fallback_reads_a_fixed_number_of_queries(viewer, province):
    age_tallies()
    counted = []
    for county in counties():  # one changed county, then both
        close_one_item_in(province, county)
        with CaptureQueriesContext(connection) as queries:
            viewer.get(dashboard_url(province))
        counted.append(len(queries))
    tallies_refresh()
    with CaptureQueriesContext(connection) as queries:
        viewer.get(dashboard_url(province))
    # the blocks' rows, the marks and the units above the blocks, and the live count in place of the tallies
    assert counted[0] == counted[1] <= len(queries) + 8, (counted, len(queries))


def live_agrees(tallied: Total, live: Total) -> bool:
    """Counted live, a list's total stops at COUNT_LIMIT ("超过 1,000 条"); read from the tallies it is exact."""
    return not tallied.bounded and (live.n, live.bounded) == (min(tallied.n, COUNT_LIMIT), tallied.n > COUNT_LIMIT)


def test_home_and_the_ledger_list_count_only_the_changed_county(viewer, province, settings):
    changed, unchanged = counties()[1], counties()[0]
    age_tallies()
    close_one_item_in(province, changed)
    ledger = RectificationItem.objects.filter(unit_path__startswith=changed.path).first().ledger
    ledger.status = "returned"  # a status the stored row of its county does not know yet
    ledger.save(update_fields=["status"])
    list_url = reverse("ledger:campaign_ledgers", args=[province.pk])

    def seen() -> tuple:
        home = viewer.get(reverse("home")).context["campaign_rows"]
        return home, viewer.get(list_url).context["page"].total, viewer.get(
            list_url + "?status=returned").context["page"].total

    tallied = seen()
    settings.TALLY_MIN_LEDGERS = NEVER
    live = seen()
    assert tallied[0] == live[0]
    assert all(live_agrees(counted, total) for counted, total in zip(tallied[1:], live[1:], strict=True))
    assert tallied[1].n == Ledger.objects.filter(campaign=province).count()  # the province sees every ledger

    settings.TALLY_MIN_LEDGERS = 1
    stored = SubtreeTally.objects.get(campaign=province, unit=unchanged)
    stored.statuses["returned"] = stored.statuses.get("returned", 0) + 1000
    SubtreeTally.objects.filter(pk=stored.pk).update(statuses=stored.statuses, ledgers=F("ledgers") + 1000)
    assert viewer.get(list_url + "?status=returned").context["page"].total.n == tallied[2].n + 1000


def figures() -> dict:
    names = ("ledgers", "handed_in", "accepted", "problems", "items", "closed", "overdue", "in_place",
             "statuses", "categories", "natures", "weekly", "stars", "phases", "marks", "as_of")
    return {row[0]: row[1:] for row in
            SubtreeTally.objects.filter(campaign__isnull=False).values_list("unit__path", *names)}


def test_the_next_days_first_recount_moves_only_overdue_forward_and_equals_a_full_count(province):
    put_measures_in_phases(province)  # overdue moves in the phases' figures too
    assert province.results_deadline is not None  # "in place" is judged on that day, not today
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    open_due_today = RectificationItem.objects.filter(deadline=timezone.localdate(), is_ongoing=False).exclude(
        status=ItemStatus.CLOSED).filter(problem__status="active")
    before = SubtreeTally.objects.get(campaign=province, unit__depth=0).overdue
    close_one_item_in(province, counties()[0])  # one county changed overnight, the other did not

    with CaptureQueriesContext(connection) as queries:
        tallies_refresh(today=tomorrow)
    rolled = figures()
    assert {as_of for *_figures, as_of in rolled.values()} == {tomorrow}
    unchanged = counties()[1].path
    assert not any('FROM "ledger_problem"' in q["sql"] and unchanged in q["sql"] for q in queries.captured_queries)

    tallies_refresh(today=tomorrow, full=True)
    assert figures() == rolled  # the same as counting everything again
    assert rolled[OrgUnit.objects.get(depth=0).path][6] >= before + open_due_today.count() - 1


def test_home_and_the_ledger_list_read_yesterdays_tally_when_nothing_changed(viewer, province, settings):
    SubtreeTally.objects.update(as_of=timezone.localdate() - datetime.timedelta(days=1),
                                counted_at=timezone.now() - datetime.timedelta(hours=8))
    list_url = reverse("ledger:campaign_ledgers", args=[province.pk])
    with CaptureQueriesContext(connection) as queries:
        tallied = viewer.get(reverse("home")).context["campaign_rows"], viewer.get(
            list_url).context["page"].total
    # no total of the list, no ledgers grouped by status: both come from the stored rows
    counts = [q["sql"] for q in queries.captured_queries if '"__count" FROM "ledger_ledger"' in q["sql"]
              or '"ledger_ledger"."status"' in q["sql"].partition("GROUP BY")[2]]
    assert not counts, counts
    settings.TALLY_MIN_LEDGERS = NEVER
    assert tallied[0] == viewer.get(reverse("home")).context["campaign_rows"]
    assert live_agrees(tallied[1], viewer.get(list_url).context["page"].total)
