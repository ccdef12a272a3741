"""Dashboards: every figure equals the row count of the list it links to; queries do not grow with branches."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Role, UnitKind
from ledger.models import EventAction, LedgerEvent, LedgerStatus
from ledger.services.events import event_record
from reviews import services
from tests.conftest import make_unit, make_user
from tests.factories import ledger_of, make_campaign, make_item, make_problem

from .conftest import at, close

FIGURE_LINK = re.compile(r'<a href="(/reviews/campaigns/\d+/(?:items|problems|ledgers|ratings)/\?[^"]*)"[^>]*>(\d+)</a>')


def closed_with_event(item, day, actor):
    close(item, day)
    event = event_record(ledger=item.ledger, actor=actor, action=EventAction.ITEM_CLOSED, item=item, to_status="closed")
    LedgerEvent.objects.filter(pk=event.pk).update(at=at(day))


@pytest.fixture
def busy_campaign(tree, users):
    """Ledgers in several states, problems in two categories, open, closed and overdue items, ratings."""
    campaign = make_campaign(tree.root, actor=users["org"])
    first, second = campaign.template.categories.all()
    b1, b2, b3 = (ledger_of(campaign, unit) for unit in (tree.b1, tree.b2, tree.b3))
    p1 = make_problem(b1, category=first)
    closed_with_event(make_item(p1), datetime.date(2022, 10, 20), users["gb_staff"])
    closed_with_event(make_item(p1), datetime.date(2022, 10, 27), users["gb_staff"])
    make_item(p1)  # overdue
    make_item(make_problem(b1, category=second), ongoing=True)
    make_item(make_problem(b2, category=second), deadline=datetime.date(2023, 6, 30))  # overdue by now
    closed_with_event(make_item(make_problem(b3, category=first)), datetime.date(2022, 10, 21), users["org"])
    withdrawn = make_item(make_problem(b3, category=first)).problem  # counts nowhere once withdrawn
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    other = make_campaign(tree.other_root)
    make_item(make_problem(ledger_of(other, tree.other_branch)))  # another tree, never counted
    type(b1).objects.filter(pk=b1.pk).update(status=LedgerStatus.ACCEPTED)
    type(b2).objects.filter(pk=b2.pk).update(status=LedgerStatus.SUBMITTED)
    services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b1, stars=3, basis="一般")
    services.rating_decide(actor=users["org"], campaign=campaign, unit=tree.b3, stars=5, basis="优秀")
    return campaign


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
        assert response.context["page"].paginator.count == number, link


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


def _campaign_with_branches(count: int):
    root = make_unit(None, UnitKind.COMMITTEE, f"Q{count}")
    branches = []
    for g in range(3):
        gb = make_unit(root, UnitKind.GENERAL_BRANCH, f"Q{count}-{g}")
        branches += [make_unit(gb, UnitKind.BRANCH, f"Q{count}-{g}-{b}") for b in range(count // 3)]
    org = make_user(f"org{count}", root, Role.ORG_DEPARTMENT)
    campaign = make_campaign(root, actor=org)
    for n, unit in enumerate(branches):
        item = make_item(make_problem(ledger_of(campaign, unit)))
        if n % 2:
            closed_with_event(item, datetime.date(2022, 10, 20), org)
        services.rating_decide(actor=org, campaign=campaign, unit=unit, stars=1 + n % 4, basis="依据")
    return campaign, org


# session, user, role assignments, campaign, then one grouped query each for ledgers, problems, items, the
# row units, categories, weekly closures, star distribution, and the overdue list (joined to units and problems);
# plus the menu's unread-notifications count
QUERIES = 13


def test_dashboard_queries_do_not_grow_with_branches(client, db):
    counts = []
    for branches in (3, 12):  # three general branches of 1 branch, then of 4
        campaign, org = _campaign_with_branches(branches)
        client.force_login(org)
        url = reverse("reviews:dashboard", args=[campaign.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.context["total"].ledgers == branches
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts == [QUERIES, QUERIES]
