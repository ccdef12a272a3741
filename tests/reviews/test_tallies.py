"""Background tallies: a big subtree's dashboard and home page read them, and show the same figures as counting live."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import UnitKind
from ledger.models import Campaign, CampaignStatus, SubtreeTally
from reviews.services import policy_set, rating_decide
from reviews.tallies import tallies_refresh
from tests.conftest import list_total, make_unit
from tests.factories import ledger_of, make_item, make_problem
from tests.tally_marks import marks_sum

from .conftest import campaign_with_branches, closed_with_event
from .test_dashboard import QUERIES, figures

NEVER = 10**9  # TALLY_MIN_LEDGERS that no subtree reaches: everything is counted live


@pytest.fixture
def direct_branch(tree):
    """A branch right under the committee: it has no tally of its own and is counted live beside the tallies."""
    return make_unit(tree.root, UnitKind.BRANCH, "RB", "机关直属党支部")


@pytest.fixture
def counted(direct_branch, busy_campaign, users):
    make_item(make_problem(ledger_of(busy_campaign, direct_branch)), deadline=datetime.date(2023, 1, 31))
    tallies_refresh()
    return busy_campaign


def summary(context) -> dict:
    return {
        "rows": [(row.unit.name, row.ledgers, row.handed_in, row.accepted, row.problems, row.items, row.closed,
                  row.overdue, row.in_place) for row in context["rows"]],
        "total": [getattr(context["total"], name)
                  for name in ("ledgers", "handed_in", "problems", "items", "overdue", "in_place")],
        "categories": [(c["category__title"], c["n"]) for c in context["by_category"]],
        "weekly": context["weekly"], "stars": context["stars"], "by_phase": context["by_phase"],
    }


def dashboard(client, campaign, unit=None):
    url = reverse("reviews:dashboard", args=[campaign.pk]) + (f"?unit={unit.pk}" if unit else "")
    return client.get(url)


@pytest.mark.parametrize("focus", ["root", "gb1"])
def test_a_tallied_dashboard_shows_what_counting_live_shows(client, users, counted, tree, settings, focus):
    client.force_login(users["org"])
    settings.TALLY_MIN_LEDGERS = NEVER
    live = dashboard(client, counted, getattr(tree, focus))
    settings.TALLY_MIN_LEDGERS = 1
    tallied = dashboard(client, counted, getattr(tree, focus))
    assert live.context["counted_at"] is None and "统计于" not in live.content.decode()
    assert tallied.context["counted_at"] is not None and "统计于" in tallied.content.decode()
    assert summary(tallied.context) == summary(live.context)
    assert len(summary(live.context)["rows"]) >= 2


def test_every_tallied_figure_equals_the_rows_of_its_list(client, users, counted, settings):
    settings.TALLY_MIN_LEDGERS = 1
    client.force_login(users["org"])
    links = figures(client, reverse("reviews:dashboard", args=[counted.pk]))
    assert ("机关直属党支部" in dashboard(client, counted).content.decode()) and len(links) > 10
    for link, number in links:
        assert list_total(client.get(link).context["page"]) == number, link


def test_a_change_shows_once_recounted(client, users, counted, tree, settings):
    settings.TALLY_MIN_LEDGERS = 1
    client.force_login(users["org"])
    before = dashboard(client, counted).context["total"].closed
    item = ledger_of(counted, tree.b2).items.exclude(status="closed").first()
    closed_with_event(item, datetime.date(2022, 10, 28), users["gb_staff"])
    assert dashboard(client, counted).context["total"].closed == before  # the tally's time is on the page
    tallies_refresh()
    assert dashboard(client, counted).context["total"].closed == before + 1


def test_a_tally_of_another_day_is_not_trusted(client, users, counted, settings):
    settings.TALLY_MIN_LEDGERS = 1
    SubtreeTally.objects.update(ledgers=99, as_of=datetime.date(2022, 10, 1))
    client.force_login(users["org"])
    response = dashboard(client, counted)
    assert response.context["counted_at"] is None and response.context["total"].ledgers == 4


def test_a_stale_tally_of_a_changed_campaign_is_not_trusted(client, users, counted, tree, settings):
    settings.TALLY_MIN_LEDGERS = 1
    SubtreeTally.objects.update(ledgers=99, counted_at=timezone.now() - datetime.timedelta(hours=2))
    item = ledger_of(counted, tree.b2).items.exclude(status="closed").first()
    closed_with_event(item, datetime.date(2022, 10, 28), users["gb_staff"])
    client.force_login(users["org"])
    response = dashboard(client, counted)
    assert response.context["counted_at"] is None and response.context["total"].ledgers == 4


def test_a_stale_tally_of_an_unchanged_campaign_is_served(client, users, counted, settings):
    settings.TALLY_MIN_LEDGERS = 1
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    SubtreeTally.objects.update(counted_at=two_hours_ago)
    client.force_login(users["org"])
    response = dashboard(client, counted)
    assert response.context["counted_at"] == two_hours_ago and response.context["total"].ledgers == 4
    SubtreeTally.objects.filter(campaign=counted).update(ledgers=99)  # the page really reads the stored rows
    assert dashboard(client, counted).context["total"].ledgers > 99


def test_an_unchanged_campaign_is_not_recounted(counted, tree, users):
    before = list(SubtreeTally.objects.order_by("pk").values_list("pk", "counted_at"))
    with CaptureQueriesContext(connection) as queries:
        written = tallies_refresh()
    assert set(written.values()) == {0}
    assert list(SubtreeTally.objects.order_by("pk").values_list("pk", "counted_at")) == before
    assert not any(q["sql"].startswith(("INSERT", "DELETE", "UPDATE")) for q in queries.captured_queries)
    counted_campaigns = Campaign.objects.exclude(status=CampaignStatus.DRAFT).count()
    # the tree's check, two reads per campaign, and one for its stored figures (none to recount today)
    assert len(queries) <= 12 + counted_campaigns
    item = ledger_of(counted, tree.b2).items.exclude(status="closed").first()
    closed_with_event(item, datetime.date(2022, 10, 28), users["gb_staff"])
    assert tallies_refresh()[f"campaign {counted.pk}"] > 0


def test_a_rating_and_the_results_rules_mark_the_campaign_changed(counted, tree, users):
    before = marks_sum(counted)
    rating_decide(actor=users["org"], campaign=counted, unit=tree.b2, stars=3, basis="按期完成整改")
    assert marks_sum(counted) > before
    before = marks_sum(counted)
    policy_set(actor=users["org"], campaign=counted, progress_period_days=30, advanced_min_stars=4,
               middle_min_stars=3)
    assert marks_sum(counted) > before
    assert tallies_refresh()[f"campaign {counted.pk}"] > 0


def test_home_counts_from_tallies_equal_live_counts(client, users, counted, settings):
    client.force_login(users["org"])
    settings.TALLY_MIN_LEDGERS = NEVER
    live = client.get(reverse("home")).context
    settings.TALLY_MIN_LEDGERS = 1
    with CaptureQueriesContext(connection) as queries:
        tallied = client.get(reverse("home")).context
    assert not any('"ledger_ledger"' in q["sql"] and "GROUP BY" in q["sql"] for q in queries.captured_queries)
    assert tallied["campaign_rows"] == live["campaign_rows"] and tallied["tree_counts"] == live["tree_counts"]
    assert dict(live["tree_counts"])["党支部"] == 4


def test_tallies_cover_units_with_something_below_them_only(counted, tree):
    units = set(SubtreeTally.objects.filter(campaign=counted).values_list("unit__code", flat=True))
    assert units == {"R", "G1", "G2"}
    root = SubtreeTally.objects.get(campaign=counted, unit=tree.root)
    assert (root.ledgers, root.items, root.statuses["accepted"]) == (4, 7, 2)  # b1 and b3
    assert root.in_place == 1  # b3 only: b1 has open measures, the others were never accepted
    assert SubtreeTally.objects.get(campaign=None, unit=tree.root).units == {"committee": 1, "general_branch": 2,
                                                                             "branch": 4}
    tallies_refresh()  # a second count replaces the first
    assert SubtreeTally.objects.filter(campaign=counted).count() == 3


def test_tallied_dashboard_queries_do_not_grow_with_branches(client, db, settings):
    settings.TALLY_MIN_LEDGERS = 1
    counts = []
    for branches in (3, 12):
        campaign, org = campaign_with_branches(branches)
        tallies_refresh()
        client.force_login(org)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reviews:dashboard", args=[campaign.pk]))
        assert response.context["counted_at"] and response.context["total"].ledgers == branches
        counts.append(len(queries))
    # the children's tallies, the list of children, the live count of those without a tally (three grouped
    # queries) and the recurring problems' count replace the six grouped queries of a live count (the natures' and
    # the recurring problems' counts among them); measures by phase come from the tally too
    assert counts == [QUERIES, QUERIES]


@pytest.mark.parametrize("status", ["", "accepted", "draft"])
def test_the_campaign_ledger_list_takes_its_total_from_tallies(client, users, counted, settings, status):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[counted.pk]) + (f"?status={status}" if status else "")
    settings.TALLY_MIN_LEDGERS = NEVER
    live = client.get(url).context["page"]
    settings.TALLY_MIN_LEDGERS = 1
    with CaptureQueriesContext(connection) as queries:
        tallied = client.get(url).context["page"]
    assert tallied.total.n == live.total.n == len(live.object_list) > 0
    assert not any('COUNT(*) AS "__count" FROM "ledger_ledger"' in q["sql"] for q in queries.captured_queries)


def test_every_tallied_figure_equals_what_its_list_counts_live(client, users, counted, settings):
    """The lists that take their total from the tallies (unfiltered, 未销号, 已销号, 逾期, a week's closures, a
    category of problems) show the number their rows count to when nothing is tallied."""
    settings.TALLY_MIN_LEDGERS = 1
    client.force_login(users["org"])
    links = figures(client, reverse("reviews:dashboard", args=[counted.pk]))
    weeks = [link for link, _ in links if "closed_week=" in link]
    assert weeks and all(client.get(link).context["page"].total.counted_at for link in weeks)  # from the tally
    settings.TALLY_MIN_LEDGERS = NEVER
    for link, number in links:
        page = client.get(link).context["page"]
        assert getattr(getattr(page, "total", None), "counted_at", None) is None, link
        assert list_total(page) == number, link


def test_a_week_not_starting_on_monday_is_counted_not_tallied(client, users, counted, settings):
    settings.TALLY_MIN_LEDGERS = 1
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[counted.pk])
    monday = client.get(f"{url}?closed_week=2022-10-24").context["page"]  # the week of 27 Oct
    tuesday = client.get(f"{url}?closed_week=2022-10-25").context["page"]
    assert monday.total.counted_at is not None and list_total(monday) >= 1
    assert tuesday.total.counted_at is None and list_total(tuesday) == len(tuesday.object_list)


def test_the_campaign_page_counts_ledgers_by_status_from_tallies(client, users, counted, settings):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_detail", args=[counted.pk])
    settings.TALLY_MIN_LEDGERS = NEVER
    live = client.get(url)
    settings.TALLY_MIN_LEDGERS = 1
    with CaptureQueriesContext(connection) as captured:
        tallied = client.get(url)
    assert tallied.context["status_counts"] == live.context["status_counts"]
    assert tallied.context["ledger_total"] == live.context["ledger_total"] > 0
    assert not [query for query in captured.captured_queries if 'COUNT("ledger_ledger"' in query["sql"]]
