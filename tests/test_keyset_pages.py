"""Deep lists page by keyset (config.lists.keyset_page_of): first / previous / next / last, forwards and backwards
without gaps or repeats, filters kept, old ?page=N links still answered, and a total that is told (the tallies)
or counted up to a bound ("超过 1,000 条")."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import UnitKind
from ledger.models import LedgerEvent, Problem, ProblemStatus, RectificationItem
from ledger.services.periodic import report_cycle_set
from ledger.services.workflow import comment_add
from reviews import survey_services
from reviews.tallies import tallies_refresh
from tests.conftest import make_unit
from tests.factories import ledger_of, make_campaign, make_item, make_problem

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a class="page-link" href="([^"]+)">([^<]+)</a>')
PER_PAGE = 3


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Three rows a page, so that a small tree has many pages."""
    monkeypatch.setattr("config.lists.PAGE_SIZE", PER_PAGE)
    monkeypatch.setattr("ledger.views.workflow.HISTORY_PAGE_SIZE", PER_PAGE)
    monkeypatch.setattr("ledger.views.periodic.ROWS_PER_PAGE", PER_PAGE)


@pytest.fixture
def campaign(tree, users):
    """Five branches (two more under the second general branch), each with two problems of two measures, and a
    measure in another tree that nobody here may see."""
    for code in ("B4", "B5"):
        make_unit(tree.gb2, UnitKind.BRANCH, code, f"第{code}党支部")
    campaign = make_campaign(tree.root, actor=users["org"])
    for ledger in campaign.ledgers.all():
        for _problem in range(2):
            problem = make_problem(ledger)
            make_item(problem)
            make_item(problem, ongoing=True)
    make_item(make_problem(ledger_of(make_campaign(tree.other_root), tree.other_branch)))
    return campaign


def links(response) -> dict[str, str]:
    return {text: html.unescape(href) for href, text in LINK.findall(response.content.decode())}


def walk(client, url: str, start: str, step: str, rows: str = "page") -> tuple[list[list[int]], list[str]]:
    """Follow the `step` link ("下一页" or "上一页") from `url` + `start` until there is none: each page's row
    ids, and every address visited."""
    pages, visited, address = [], [], url + start
    for _ in range(100):
        response = client.get(address)
        assert response.status_code == 200, address
        pages.append([row.pk for row in response.context[rows].object_list])
        visited.append(address)
        following = links(response).get(step)
        if following is None:
            return pages, visited
        address = url + following
    raise AssertionError("no end")


def both_ways(client, url: str, query: str = "", rows: str = "page") -> tuple[list[int], list[str]]:
    """The rows met going forwards from the first page and backwards from the last; they must be the same list."""
    forwards, visited = walk(client, url, query, "下一页", rows)
    last = links(client.get(url + query))["末页"] if len(forwards) > 1 else query
    backwards, visited_back = walk(client, url, last, "上一页", rows)
    forward_rows = [pk for page in forwards for pk in page]
    assert forward_rows == [pk for page in reversed(backwards) for pk in page]
    assert all(len(page) == PER_PAGE for page in forwards[:-1]) and len(forward_rows) == len(set(forward_rows))
    return forward_rows, visited + visited_back


def items_in_order(**conditions) -> list[int]:
    items = RectificationItem.objects.filter(problem__status=ProblemStatus.ACTIVE, **conditions)
    return list(items.order_by("unit_path", "problem__number", "number", "pk").values_list("pk", flat=True))


def test_the_measures_list_pages_both_ways_without_gaps_or_repeats_and_keeps_its_filters(client, users, campaign,
                                                                                       tree):
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])

    every, _visited = both_ways(client, url)
    open_ones, visited = both_ways(client, url, f"?unit={tree.gb2.pk}&status=open")

    assert every == items_in_order(ledger__campaign=campaign) and len(every) == 20
    assert open_ones == items_in_order(ledger__campaign=campaign, unit_path__startswith=tree.gb2.path)
    assert len(open_ones) == 12 and len(visited) > 6
    assert all("status=open" in address and f"unit={tree.gb2.pk}" in address for address in visited)


def test_a_general_branch_pages_through_its_own_subtree_only(client, users, campaign, tree):
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])
    outside = links(client.get(url))["末页"]  # a cursor from the committee's list, after every row of gb1
    client.force_login(users["gb_staff"])

    seen, _visited = both_ways(client, url)
    from_outside = client.get(url + outside).context["page"].object_list

    assert seen == items_in_order(ledger__campaign=campaign, unit_path__startswith=tree.gb1.path)
    assert len(seen) == 8
    assert all(item.unit_path.startswith(tree.gb1.path) for item in from_outside)


def test_the_problems_list_pages_both_ways(client, users, campaign):
    client.force_login(users["org"])
    seen, _visited = both_ways(client, reverse("reviews:problem_list", args=[campaign.pk]))
    problems = Problem.objects.filter(ledger__campaign=campaign).order_by("unit_path", "number", "pk")
    assert seen == list(problems.values_list("pk", flat=True)) and len(seen) == 10


def test_the_survey_pages_both_ways_and_shows_each_units_tier(client, users, campaign, tree):
    survey = survey_services.survey_create(actor=users["org"], issuer=tree.root, year=2023)
    survey_services.survey_classify(actor=users["org"], survey=survey, unit=tree.b3, tier="lagging", reason="软弱")
    client.force_login(users["org"])
    url = reverse("reviews:survey_detail", args=[survey.pk])

    seen, _visited = both_ways(client, url)
    unclassified, visited = both_ways(client, url, "?tier=none")
    lagging = client.get(url, {"tier": "lagging"})

    below = [tree.gb1, tree.b1, tree.b2, tree.gb2, tree.b3, *tree.gb2.children.exclude(pk=tree.b3.pk)]
    assert seen == [unit.pk for unit in sorted(below, key=lambda unit: unit.code)]
    assert unclassified == [pk for pk in seen if pk != tree.b3.pk] and all("tier=none" in a for a in visited)
    assert [(unit.pk, unit.tier, unit.reason) for unit in lagging.context["page"]] == [(tree.b3.pk, "lagging", "软弱")]
    assert "软弱" in lagging.content.decode()


def test_who_reported_and_the_history_page_both_ways(client, users, campaign, tree):
    report_cycle_set(actor=users["org"], campaign=campaign, frequency="quarterly", starts_on=datetime.date(2022, 1, 1),
                     ends_on=datetime.date(2022, 12, 31))
    ledger = ledger_of(campaign, tree.b1)
    for n in range(7):
        comment_add(actor=users["gb_staff"], ledger=ledger, text=f"第{n:03d}条意见")
    client.force_login(users["org"])

    ledgers, _visited = both_ways(client, reverse("ledger:periodic_who_reported", args=[campaign.pk]))
    events, _visited = both_ways(client, reverse("ledger:ledger_history", args=[ledger.pk]), rows="events")

    assert ledgers == list(campaign.ledgers.order_by("unit_path", "pk").values_list("pk", flat=True))
    assert events == list(LedgerEvent.objects.filter(ledger=ledger).order_by("at", "pk").values_list("pk", flat=True))
    assert len(events) > 7


def test_an_old_page_number_link_still_gives_a_page(client, users, campaign):
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])
    every = items_in_order(ledger__campaign=campaign)

    second = client.get(url, {"page": 2}).context["page"]
    past_the_end = client.get(url, {"page": 999999}).context["page"]
    not_a_number = client.get(url, {"page": "x"}).context["page"]

    assert [item.pk for item in second] == every[PER_PAGE:2 * PER_PAGE]
    assert second.has_previous and second.has_next
    assert [item.pk for item in past_the_end] == every[-PER_PAGE:] and not past_the_end.has_next
    assert [item.pk for item in not_a_number] == every[:PER_PAGE] and not not_a_number.has_previous


def test_a_cursor_that_is_not_ours_shows_the_first_page(client, users, campaign):
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])
    history = reverse("ledger:ledger_history", args=[campaign.ledgers.first().pk])
    first_event = LedgerEvent.objects.filter(ledger=campaign.ledgers.first()).order_by("at", "pk").first()
    # junk, [], the wrong length, an object, then a time that is not a time and an id that is not a number
    for cursor in ("garbage", "W10", "WyJhIiwxXQ", "eyJhIjoxfQ"):
        for direction in ("after", "before"):
            response = client.get(url, {direction: cursor})
            assert response.status_code == 200
            first = items_in_order(ledger__campaign=campaign)[:PER_PAGE]
            assert [item.pk for item in response.context["page"]] == first
    for cursor in ("WyJ4IiwxXQ", "W3sidCI6IngifSwxXQ", "W3sidCI6IjIwMjItMDEtMDFUMDA6MDA6MDArMDg6MDAifSwieCJd"):
        response = client.get(history, {"after": cursor})
        assert response.status_code == 200 and response.context["events"].object_list[0] == first_event


def test_a_filtered_list_counts_up_to_a_bound(client, users, campaign, monkeypatch):
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])

    exact = client.get(url, {"status": "open"}).content.decode()
    monkeypatch.setattr("config.lists.COUNT_LIMIT", 5)
    bounded = client.get(url, {"status": "open"}).content.decode()

    assert "共 20 条" in exact and "超过" not in exact
    assert "超过 5 条" in bounded and "共 " not in bounded


def test_an_unfiltered_big_list_takes_its_total_from_the_tallies_and_says_when(client, users, campaign, settings):
    settings.TALLY_MIN_LEDGERS = 1
    tallies_refresh()
    client.force_login(users["org"])
    url = reverse("reviews:item_list", args=[campaign.pk])

    unfiltered = client.get(url)
    open_ones = client.get(url, {"status": "open"})  # a dashboard figure: the tallies have it too
    filtered = client.get(url, {"status": "open", "category": campaign.template.categories.first().pk})

    total = unfiltered.context["page"].total
    assert total.n == 20 and total.counted_at is not None
    assert f"共 20 条（截至 {timezone.localtime(total.counted_at):%H:%M} 统计）" in unfiltered.content.decode()
    assert open_ones.context["page"].total == total
    assert filtered.context["page"].total.counted_at is None and "截至" not in filtered.content.decode()
    assert "共 20 条" in filtered.content.decode()  # counted


def test_the_three_lists_of_a_subtree_page_both_ways_in_tree_order(client, users, campaign, tree):
    """三单一账 of the whole campaign and of a general branch: each unit's problems by category and number, its
    measures under them; old page links answered; the total from the tallies once the campaign has them."""
    client.force_login(users["org"])
    problems_url = reverse("ledger:campaign_lists", args=[campaign.pk, "problems"])
    tasks_url = reverse("ledger:campaign_lists", args=[campaign.pk, "tasks"])

    problems, _visited = both_ways(client, problems_url)
    duties, visited = both_ways(client, reverse("ledger:campaign_lists", args=[campaign.pk, "duties"]),
                                f"?unit={tree.gb2.pk}")
    past_the_end = client.get(tasks_url, {"page": 999999}).context["page"]

    in_order = Problem.objects.filter(ledger__campaign=campaign).order_by("unit_path", "category__order", "number")
    items = RectificationItem.objects.filter(ledger__campaign=campaign).order_by(
        "unit_path", "problem__category__order", "problem__number", "number")
    assert problems == list(in_order.values_list("pk", flat=True)) and len(problems) == 10
    assert duties == list(items.filter(unit_path__startswith=tree.gb2.path).values_list("pk", flat=True))
    assert len(duties) == 12 and all(f"unit={tree.gb2.pk}" in address for address in visited)
    assert [item.pk for item in past_the_end] == list(items.values_list("pk", flat=True))[-PER_PAGE:]
    assert "共 20 条" in client.get(tasks_url).content.decode()


def test_the_three_lists_of_a_subtree_take_their_totals_from_the_tallies(client, users, campaign, tree, settings):
    settings.TALLY_MIN_LEDGERS = 1
    tallies_refresh()
    client.force_login(users["org"])

    problems = client.get(reverse("ledger:campaign_lists", args=[campaign.pk, "problems"]))
    tasks = client.get(reverse("ledger:campaign_lists", args=[campaign.pk, "tasks"]), {"unit": tree.gb2.pk})

    counted_at = timezone.localtime(problems.context["page"].total.counted_at)
    assert f"共 10 条（截至 {counted_at:%H:%M} 统计）" in problems.content.decode()
    assert tasks.context["page"].total.n == 12 and tasks.context["page"].total.counted_at is not None
