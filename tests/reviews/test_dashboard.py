"""Dashboards: every figure equals the row count of the list it links to; queries do not grow with branches."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import list_total

from .conftest import campaign_with_branches

FIGURE_LINK = re.compile(r'<a href="(/reviews/campaigns/\d+/(?:items|problems|ledgers|ratings)/\?[^"]*)"[^>]*>(\d+)</a>')


def figures(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [(html.unescape(link), int(number)) for link, number in FIGURE_LINK.findall(response.content.decode())]


@pytest.mark.parametrize("who", ["org", "gb_staff", "secretary", "inspector"])
def test_every_figure_equals_the_rows_of_its_list(client, users, busy_campaign, who):
    client.force_login(users[who])
    links = figures(client, reverse("reviews:dashboard", args=[busy_campaign.pk]))
    assert len(links) > 10
    for link, number in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert list_total(response.context["page"]) == number, link


def test_org_department_totals(client, users, busy_campaign, tree):
    client.force_login(users["org"])
    context = client.get(reverse("reviews:dashboard", args=[busy_campaign.pk])).context
    assert [row.unit for row in context["rows"]] == [tree.gb1, tree.gb2]
    gb1, gb2 = context["rows"]
    assert (gb1.ledgers, gb1.handed_in, gb1.accepted, gb1.problems, gb1.items, gb1.closed, gb1.overdue) == (
        2, 2, 1, 3, 5, 2, 2)
    assert (gb2.problems, gb2.items, gb2.closed, gb2.percent_done) == (1, 1, 1, 100)
    assert [(c["category__order"], c["n"]) for c in context["by_category"]] == [(1, 2), (2, 2)]
    assert [(w["week"], w["n"]) for w in context["weekly"]] == [
        (datetime.date(2022, 10, 17), 2), (datetime.date(2022, 10, 24), 1)]
    assert dict(context["stars"]) == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}


def test_general_branch_sees_its_branches_and_a_branch_itself(client, users, busy_campaign, tree):
    client.force_login(users["gb_staff"])
    context = client.get(reverse("reviews:dashboard", args=[busy_campaign.pk])).context
    assert context["focus"] == tree.gb1 and [row.unit for row in context["rows"]] == [tree.b1, tree.b2]
    client.force_login(users["secretary"])
    context = client.get(reverse("reviews:dashboard", args=[busy_campaign.pk])).context
    assert context["focus"] == tree.b1 and [row.unit for row in context["rows"]] == [tree.b1]
    assert context["total"].items == 4 and dict(context["stars"])[3] == 1


# session, user, role assignments, campaign, the look for a background tally (none: this subtree is small), the
# results policy (the in-place rule's progress period), then one grouped query each for ledgers (with those in
# place), measures (per unit and phase: the rows and 按阶段), problems, their categories, natures (个性/共性) and
# recurrence (问题反弹), weekly closures, star distribution, the row units, the categories' titles and the overdue
# list (joined to units and problems); plus the menu's unread-notifications count (the campaign's phases are read
# once a measure is in one)
QUERIES = 16


def test_dashboard_queries_do_not_grow_with_branches(client, db):
    counts = []
    for branches in (3, 12):  # three general branches of 1 branch, then of 4
        campaign, org = campaign_with_branches(branches)
        client.force_login(org)
        url = reverse("reviews:dashboard", args=[campaign.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.context["total"].ledgers == branches
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts == [QUERIES, QUERIES]


def test_in_place_figure_counts_by_the_results_rule(client, users, busy_campaign, tree):
    """Only b3 (answered, accepted, closed in time) is in place; b1 is accepted but has open measures and an
    unanswered self-check, b2 is only submitted: the dashboard says what the results page says."""
    client.force_login(users["org"])
    context = client.get(reverse("reviews:dashboard", args=[busy_campaign.pk])).context
    gb1, gb2 = context["rows"]
    assert (gb1.accepted, gb1.in_place, gb2.in_place, context["total"].in_place) == (1, 0, 1, 1)
    results = client.get(reverse("reviews:results", args=[busy_campaign.pk])).context["rows"]
    assert [row["ledger"].unit for row in results if row["result"].in_place] == [tree.b3]
    listed = client.get(reverse("reviews:ledger_list", args=[busy_campaign.pk]) + "?state=in_place").context["page"]
    assert [ledger.unit for ledger in listed] == [tree.b3]
