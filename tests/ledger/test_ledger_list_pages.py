"""The campaign's ledger list pages by keyset in every sort (first / previous / next / last, both ways, ties in
tree order), old ?page=N links still answer, and "my ledgers" lists what waits for the viewer, newest year first
then in tree order, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import UnitKind
from ledger.models import ItemStatus, Ledger, LedgerFigures, LedgerStatus, RectificationItem
from ledger.selectors import workflow as sel
from ledger.services import workflow as wf
from tests.conftest import make_unit
from tests.factories import figures_refresh, ledger_of, make_campaign, make_item, make_problem
from tests.test_keyset_pages import PER_PAGE, both_ways

pytestmark = pytest.mark.django_db

SORTS = {"unit": "unit_path", "status": "status", "problems": "problems", "items": "items", "closed": "closed",
         "overdue": "overdue", "changed": "last_change"}


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr("ledger.views.workflow.LEDGERS_PER_PAGE", PER_PAGE)


@pytest.fixture
def campaign(tree, users):
    """Seven ledgers with ties in every column: problems and measures on some, statuses set on others."""
    for code in ("B4", "B5", "B6", "B7"):
        make_unit(tree.gb2, UnitKind.BRANCH, code, f"第{code}党支部")
    campaign = make_campaign(tree.root, actor=users["org"])
    ledgers = list(campaign.ledgers.order_by("unit_path"))
    for n, ledger in enumerate(ledgers):
        for _problem in range(n % 3):
            make_item(make_problem(ledger))
    Ledger.objects.filter(pk__in=[ledgers[1].pk, ledgers[4].pk]).update(status=LedgerStatus.SUBMITTED)
    Ledger.objects.filter(pk=ledgers[5].pk).update(status=LedgerStatus.RETURNED)
    figures_refresh(*ledgers)
    return campaign


def in_order(campaign, sort: str) -> list[int]:
    """The list a user expects: by the column, ties in tree order (ascending or descending alike)."""
    rows = sorted(LedgerFigures.objects.filter(campaign=campaign).select_related("ledger"), key=lambda f: f.unit_path)
    column = SORTS[sort.lstrip("-")]
    rows.sort(key=lambda f: getattr(f.ledger if column in ("status", "unit_path") else f, column),
              reverse=sort.startswith("-") and column != "unit_path")
    if sort == "-unit":
        rows.reverse()
    return [f.ledger_id for f in rows]


@pytest.mark.parametrize("sort", [order for key in SORTS for order in (key, f"-{key}")])
def test_every_sort_pages_both_ways_by_keyset_without_gaps_or_repeats(client, users, campaign, sort):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])

    seen, visited = both_ways(client, url, f"?sort={sort}")

    assert seen == in_order(campaign, sort) and len(seen) == campaign.ledgers.count()
    assert all(f"sort={sort}" in address for address in visited)
    assert any("last=1" in address for address in visited) and any("before=" in address for address in visited)


def test_a_status_filter_pages_within_the_status(client, users, campaign):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    seen, visited = both_ways(client, url, "?status=draft&sort=-problems")
    drafts = set(campaign.ledgers.filter(status=LedgerStatus.DRAFT).values_list("pk", flat=True))
    assert seen == [pk for pk in in_order(campaign, "-problems") if pk in drafts] and len(seen) == 4
    assert all("status=draft" in address for address in visited)


def test_an_old_page_number_link_still_gives_a_page(client, users, campaign):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    every = in_order(campaign, "-items")

    second = client.get(url, {"sort": "-items", "page": 2}).context["page"]
    past_the_end = client.get(url, {"sort": "-items", "page": 999999}).context["page"]

    assert [row.pk for row in second] == every[PER_PAGE:2 * PER_PAGE] and second.has_previous and second.has_next
    assert [row.pk for row in past_the_end] == every[-PER_PAGE:]
    assert not past_the_end.has_next


def test_a_general_branch_pages_its_own_ledgers_only(client, users, campaign, tree):
    client.force_login(users["gb_staff"])
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    seen, _visited = both_ways(client, url, "?sort=-status")
    assert seen == [pk for pk in in_order(campaign, "-status")
                    if Ledger.objects.get(pk=pk).unit_path.startswith(tree.gb1.path)]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_and_my_ledgers_run_as_many_queries_for_more_ledgers(client, users, campaign, tree):
    client.force_login(users["org"])
    pages = [reverse("ledger:campaign_ledgers", args=[campaign.pk]) + query
             for query in ("", "?sort=-status&last=1", "?sort=-overdue&last=1", "?sort=changed&page=2")]
    pages.append(reverse("ledger:my_ledgers"))
    first = [queries(client, url) for url in pages]
    for code in ("B8", "B9", "B10"):
        make_unit(tree.gb2, UnitKind.BRANCH, code, f"第{code}党支部")
    bigger = make_campaign(tree.root, actor=users["org"], year=2023)
    Ledger.objects.filter(campaign=bigger).update(status=LedgerStatus.SUBMITTED)
    figures_refresh(*bigger.ledgers.all())
    assert [queries(client, url) for url in pages] == first


# --- my ledgers ---------------------------------------------------------------------------------------------------


def awaiting_by_the_rule(user_unit_path: str) -> list[int]:
    """The old rule: submitted, or measures awaiting 销号, below the viewer; newest year first, then tree order."""
    rows = (Ledger.objects.filter(unit_path__startswith=user_unit_path).exclude(unit_path=user_unit_path)
            .filter(status=LedgerStatus.SUBMITTED) | Ledger.objects.filter(
                unit_path__startswith=user_unit_path, figures__requested__gt=0).exclude(unit_path=user_unit_path))
    return list(rows.order_by("-campaign__year", "unit_path", "pk").values_list("pk", flat=True))


def test_my_ledgers_lists_what_waits_newest_year_first_then_in_tree_order(client, users, campaign, tree):
    later = make_campaign(tree.root, actor=users["org"], year=2023, name="回头看")
    waiting = ledger_of(later, tree.b2)
    item = make_item(make_problem(waiting))
    RectificationItem.objects.filter(pk=item.pk).update(status=ItemStatus.CLOSURE_REQUESTED)
    figures_refresh(waiting)
    Ledger.objects.filter(pk=ledger_of(later, tree.b3).pk).update(status=LedgerStatus.SUBMITTED)
    figures_refresh(ledger_of(later, tree.b3))
    client.force_login(users["org"])

    review = client.get(reverse("ledger:my_ledgers")).context["review"]

    assert [ledger.pk for ledger in review] == awaiting_by_the_rule(tree.root.path)
    assert [ledger.campaign.year for ledger in review][:2] == [2023, 2023]
    assert review[0].pk == waiting.pk and review[0].n_requested == 1
    assert {ledger.pk for ledger in review[2:]} == set(campaign.ledgers.filter(
        status=LedgerStatus.SUBMITTED).values_list("pk", flat=True))


def test_a_ledger_leaves_my_ledgers_when_it_is_returned(client, users, campaign, tree):
    ledger = ledger_of(campaign, tree.b2)
    assert ledger.status == LedgerStatus.SUBMITTED
    client.force_login(users["gb_staff"])
    assert ledger.pk in [row.pk for row in client.get(reverse("ledger:my_ledgers")).context["review"]]

    wf.ledger_return(actor=users["gb_staff"], ledger=ledger, reason="请补充")

    assert ledger.pk not in [row.pk for row in client.get(reverse("ledger:my_ledgers")).context["review"]]
    assert LedgerFigures.objects.get(pk=ledger.pk).awaiting is False


def test_my_ledgers_shows_the_first_ones_only(client, users, campaign, tree, monkeypatch):
    later = make_campaign(tree.root, actor=users["org"], year=2023, name="回头看")
    Ledger.objects.filter(campaign=later).update(status=LedgerStatus.SUBMITTED)
    figures_refresh(*later.ledgers.all())
    monkeypatch.setattr(sel.ledgers_awaiting, "__defaults__", (3,))
    client.force_login(users["org"])
    review = client.get(reverse("ledger:my_ledgers")).context["review"]
    assert [ledger.pk for ledger in review] == awaiting_by_the_rule(tree.root.path)[:3]
